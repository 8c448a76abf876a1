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

  // Live updates: the server pushes an event when mail arrives and the list refreshes at once.
  // Polling (hx-trigger "every Ns") stays as the fallback when the stream is unavailable.
  function listen() {
    var list = document.getElementById("inbox-list");
    if (!list || !window.EventSource || !list.getAttribute("data-events")) return;
    var source = new EventSource(list.getAttribute("data-events"));
    source.addEventListener("message", function () {
      var current = document.getElementById("inbox-list");
      if (current) current.dispatchEvent(new Event("mayfly:new"));
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
  document.querySelectorAll("button.copy[hidden]").forEach(function (b) { b.hidden = false; });
  document.body.addEventListener("htmx:afterSwap", localTimes);
  var shownRows = document.querySelectorAll("#inbox-list .message-row").length;
  document.body.addEventListener("htmx:afterSwap", function () {
    var rows = document.querySelectorAll("#inbox-list .message-row");
    var announce = document.getElementById("inbox-announce");
    if (announce && rows.length > shownRows) {
      var from = rows[0].querySelector(".from"), subject = rows[0].querySelector(".subject");
      announce.textContent = (rows.length - shownRows === 1 ? "New mail" : (rows.length - shownRows) + " new messages")
        + ": " + (from ? from.textContent.trim() : "") + ", " + (subject ? subject.textContent.trim() : "");
    }
    shownRows = rows.length;
  });
  localTimes();
  tickCountdowns();
  setInterval(tickCountdowns, 1000);
  listen();
})();
