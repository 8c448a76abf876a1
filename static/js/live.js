// Live inbox updates: the event stream (one per address per browser), the new-mail
// announcement for screen readers, and desktop notifications. Loaded after app.js.
(function () {
  "use strict";
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

  // Each swap of the list that brings rows says so (screen readers) and may notify.
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
  notifyToggle();
  listen();
})();
