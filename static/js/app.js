// Mayfly's page script: copy buttons, expiry countdowns, local times, the reading pane and
// sender checks (live.js does live updates). No inline handlers anywhere (the CSP forbids
// them); everything is wired here by data attributes.
(function () {
  "use strict";

  function copy(button) {
    var target = document.getElementById(button.getAttribute("data-copy-target"));
    if (!target) return;
    var text = target.textContent.trim();
    var done = function () {
      button.textContent = "Copied";
      setTimeout(function () { button.textContent = "Copy"; }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { selectText(target); });
    } else {
      selectText(target);
      try { document.execCommand("copy"); done(); } catch (e) { /* selection stays for Ctrl-C */ }
    }
  }

  function selectText(node) {
    var range = document.createRange();
    range.selectNodeContents(node);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  // "in 6 d 23 h" for long lifetimes, "in 12:05" near the end; a minute before, a warning;
  // at zero the expired notice replaces the Extend button (the server refuses it then).
  function tickCountdowns() {
    var now = Date.now();
    document.querySelectorAll("time.countdown").forEach(function (node) {
      var left = Math.max(0, Date.parse(node.getAttribute("datetime")) - now);
      var s = Math.floor(left / 1000);
      var d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600);
      var m = Math.floor((s % 3600) / 60), sec = s % 60;
      var pad = function (n) { return (n < 10 ? "0" : "") + n; };
      var box = node.closest(".expiry");
      if (left === 0) {
        node.textContent = "now";
        if (box && !box.classList.contains("expired")) {
          box.classList.add("expired");
          var notice = document.getElementById("expired-notice");
          if (notice) notice.hidden = false;
        }
        return;
      }
      if (box) box.classList.toggle("soon", s < 60);
      node.textContent = "in " + (d ? d + " d " + h + " h" : h ? h + ":" + pad(m) + ":" + pad(sec)
                                                                : m + ":" + pad(sec));
    });
  }

  // Times are sent in UTC; the reader sees their own, with the full timestamp on hover.
  function localTimes() {
    var today = new Date().toDateString();
    document.querySelectorAll("time[datetime]:not(.countdown):not([data-local])")
      .forEach(function (node) {
        var at = new Date(node.getAttribute("datetime"));
        if (isNaN(at.getTime())) return;
        node.setAttribute("data-local", "");
        node.title = at.toLocaleString(undefined, { dateStyle: "full", timeStyle: "long" });
        var time = at.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
        node.textContent = at.toDateString() === today ? time
          : at.toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric" })
            + " " + time;
      });
  }

  // The mail frame says how tall its content is (its own hash-pinned script, in an opaque
  // origin); only a message from that very frame, with a number, sets the frame's height.
  window.addEventListener("message", function (event) {
    var frame = document.querySelector("iframe.mail-frame");
    var height = event.data && event.data.mayflyFrameHeight;
    if (!frame || event.source !== frame.contentWindow || typeof height !== "number") return;
    frame.style.height = Math.min(Math.max(Math.ceil(height) + 4, 120), 40000) + "px";
  });

  // Wide screens: a message opens in the reading pane beside the list; ↑/↓ (or j/k) move
  // through the list. Narrow screens, modified clicks and failures open the page as usual.
  function splitView() {
    var pane = document.getElementById("reading-pane");
    if (!pane || !window.fetch) return;
    var wide = window.matchMedia("(min-width: 1200px)");
    var selected = null;
    function mark() {
      document.querySelectorAll("#inbox-list .message-row").forEach(function (row) {
        var link = row.querySelector("a");
        row.classList.toggle("selected", !!link && link.getAttribute("href") === selected);
      });
    }
    function open(link) {
      selected = link.getAttribute("href");
      mark();
      fetch(selected + "?pane=1", { credentials: "same-origin" }).then(function (answer) {
        if (!answer.ok) throw new Error(String(answer.status));
        return answer.text();
      }).then(function (html) {
        pane.innerHTML = html;  // Mayfly's own escaped fragment; the mail stays in its frame
        pane.hidden = false;
        revealCopyButtons();
        localTimes();
        followChecks();
      }).catch(function () { window.location.href = selected; });
    }
    document.addEventListener("click", function (event) {
      var link = event.target.closest("#inbox-list .message-row a");
      if (!link || !wide.matches || event.button || event.ctrlKey || event.metaKey
          || event.shiftKey || event.altKey) return;
      event.preventDefault();
      open(link);
    });
    document.addEventListener("keydown", function (event) {
      if (event.target.closest("input, textarea, select, [contenteditable]")) return;
      var down = event.key === "ArrowDown" || event.key === "j";
      if (!down && event.key !== "ArrowUp" && event.key !== "k") return;
      var links = Array.prototype.slice.call(document.querySelectorAll("#inbox-list .message-row a"));
      if (!links.length) return;
      var at = links.findIndex(function (a) { return a.getAttribute("href") === selected; });
      var next = links[down ? Math.min(at + 1, links.length - 1) : Math.max(at - 1, 0)];
      event.preventDefault();
      next.focus();
      if (wide.matches) { open(next); } else { selected = next.getAttribute("href"); mark(); }
    });
    document.body.addEventListener("htmx:afterSwap", mark);
  }

  // A message whose sender checks are still running asks for their verdicts every 2 s (for
  // two minutes at most) and shows them in place once they come.
  function followChecks() {
    document.querySelectorAll("[data-checks]").forEach(function (node) {
      var url = node.getAttribute("data-checks"), tries = 0;
      node.removeAttribute("data-checks");
      function look() {
        if (++tries > 60 || !document.contains(node)) return;
        fetch(url, { credentials: "same-origin" }).then(function (answer) {
          if (answer.status === 204) { setTimeout(look, 2000); return; }
          if (!answer.ok) return;  // gone, or no longer ours: leave the line as it is
          return answer.text().then(function (html) {
            node.innerHTML = html;  // Mayfly's own escaped fragment
            node.classList.remove("muted", "small");
          });
        }).catch(function () { setTimeout(look, 4000); });
      }
      setTimeout(look, 1000);
    });
  }

  // Forms that destroy something ask first (data-confirm holds the question).
  document.addEventListener("submit", function (event) {
    var question = event.target.getAttribute && event.target.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-target]");
    if (button) copy(button);
  });
  // A redirect to #shown-once (a new key) or a heading brings it into view and focus.
  var target = location.hash && document.getElementById(location.hash.slice(1));
  if (target && target.tabIndex < 0 && !target.hasAttribute("tabindex")) {
    target.setAttribute("tabindex", "-1");
  }
  if (target) target.focus();
  // Copy buttons are hidden in the HTML: without this script they could not work.
  function revealCopyButtons() {
    document.querySelectorAll("button.copy[hidden]").forEach(function (b) { b.hidden = false; });
  }
  revealCopyButtons();
  followChecks();
  splitView();
  document.body.addEventListener("htmx:afterSwap", localTimes);
  localTimes();
  tickCountdowns();
  setInterval(tickCountdowns, 1000);
})();
