// Mayfly's only script: copy buttons, expiry countdowns, local times. No inline handlers
// anywhere (the CSP forbids them); everything is wired here by data attributes.
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

  // Live updates, one stream per address per browser, and at most STREAMS in all: the tab
  // holding an address's Web Lock opens its event stream and tells the other tabs over a
  // BroadcastChannel; the rest follow it. A tab that gets no stream (all slots taken, or the
  // server refused one) says so and keeps the polling that every list has anyway, and tries
  // again now and then; when the streaming tab closes its lock passes to another tab.
  var STREAMS = 3, RETRY_MS = 15000;

  function newMail() {
    var current = document.getElementById("inbox-list");
    if (current) current.dispatchEvent(new Event("mayfly:new"));
  }

  function liveState(text, paused) {
    var node = document.getElementById("live-status");
    if (!node) return;
    node.textContent = text;
    node.classList.toggle("paused", paused);
  }

  function listen() {
    var list = document.getElementById("inbox-list");
    if (!list || !list.getAttribute("data-events")) return;
    var url = list.getAttribute("data-events");
    var address = list.getAttribute("data-address");
    var pollText = "Live updates paused — refreshing every " + list.getAttribute("data-poll") + " s";
    window.mayflyLive = "polling";
    if (!window.EventSource || !navigator.locks || !window.BroadcastChannel) {
      if (window.EventSource) stream(url, null, pollText);
      return;
    }
    var channel = new BroadcastChannel("mayfly-mail");
    channel.onmessage = function (event) {
      if (event.data && event.data.address === address) newMail();
    };
    var addressLock = "mayfly-stream:" + address;
    function tryLead() {
      navigator.locks.request(addressLock, { ifAvailable: true }, function (mine) {
        if (!mine) { follow(); return; }
        return new Promise(function (release) { takeSlot(0, release); });
      });
    }
    function follow() {  // another tab streams this address; its lock comes here if it closes
      window.mayflyLive = "follower";
      liveState("Live", false);
      newMail();  // what the leader told before this tab listened
      navigator.locks.request(addressLock, function () {
        return new Promise(function (release) { takeSlot(0, release); });
      });
    }
    function takeSlot(slot, release) {
      if (slot >= STREAMS) {  // this browser streams enough already: poll, try later
        window.mayflyLive = "polling";
        liveState(pollText, true);
        release();
        setTimeout(tryLead, RETRY_MS);
        return;
      }
      navigator.locks.request("mayfly-slot:" + slot, { ifAvailable: true }, function (got) {
        if (!got) { takeSlot(slot + 1, release); return; }
        window.mayflyLive = "leader";
        return new Promise(function (done) {
          stream(url, function () { channel.postMessage({ address: address }); }, pollText,
                 function () { done(); release(); setTimeout(tryLead, RETRY_MS); });
        });
      });
    }
    tryLead();
  }

  function stream(url, tell, pollText, ended) {
    var source = new EventSource(url);
    liveState("Live", false);
    // The stream tells of mail from its start on; mail that came between drawing the page
    // and that start is found by one look (204 when there is none).
    source.addEventListener("open", newMail);
    source.addEventListener("message", function () {
      newMail();
      if (tell) tell();
    });
    source.addEventListener("error", function () {
      if (source.readyState === EventSource.CLOSED) {  // refused (429, 404): poll instead
        window.mayflyLive = "polling";
        liveState(pollText, true);
        if (ended) ended();
      }
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

  // Desktop notifications for new mail: off until the reader ticks "Notify me" (kept in this
  // browser), and only while the tab is not in view; one per address (the tag), not per tab.
  function notify(who, what) {
    var list = document.getElementById("inbox-list");
    if (localStorage.getItem("mayfly-notify") !== "1" || !window.Notification
        || Notification.permission !== "granted" || document.visibilityState === "visible") return;
    new Notification("New mail: " + what, { body: who, tag: "mayfly:" + (list ? list.getAttribute("data-address") : "") });
  }

  function notifyToggle() {
    var box = document.getElementById("notify-toggle");
    if (!box || !window.Notification) return;
    box.closest("label").hidden = false;
    box.checked = localStorage.getItem("mayfly-notify") === "1" && Notification.permission === "granted";
    box.addEventListener("change", function () {
      if (!box.checked) { localStorage.removeItem("mayfly-notify"); return; }
      Notification.requestPermission().then(function (answer) {
        box.checked = answer === "granted";
        if (box.checked) localStorage.setItem("mayfly-notify", "1");
      });
    });
  }

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
  var shownRows = document.querySelectorAll("#inbox-list .message-row").length;
  document.body.addEventListener("htmx:afterSwap", function () {
    var rows = document.querySelectorAll("#inbox-list .message-row");
    var announce = document.getElementById("inbox-announce");
    if (announce && rows.length > shownRows) {
      var from = rows[0].querySelector(".from"), subject = rows[0].querySelector(".subject");
      var who = from ? from.textContent.trim() : "", what = subject ? subject.textContent.trim() : "";
      announce.textContent = (rows.length - shownRows === 1 ? "New mail" : (rows.length - shownRows) + " new messages")
        + ": " + who + ", " + what;
      notify(who, what);
    }
    shownRows = rows.length;
  });
  localTimes();
  notifyToggle();
  tickCountdowns();
  setInterval(tickCountdowns, 1000);
  listen();
})();
