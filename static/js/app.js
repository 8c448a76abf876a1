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

  function tickCountdowns() {
    var now = Date.now();
    document.querySelectorAll("time.countdown").forEach(function (node) {
      var left = Math.max(0, Date.parse(node.getAttribute("datetime")) - now);
      var s = Math.floor(left / 1000);
      var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
      var pad = function (n) { return (n < 10 ? "0" : "") + n; };
      node.textContent = left === 0 ? "now" : "in " + (h ? h + ":" + pad(m) : m) + ":" + pad(sec);
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

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-target]");
    if (button) copy(button);
  });
  tickCountdowns();
  setInterval(tickCountdowns, 1000);
  listen();
})();
