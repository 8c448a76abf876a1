// A link Mayfly mails (a password reset, a sign-up) carries its token after "#": browsers
// never send that part to a server, so no access log or proxy sees it. This moves the token
// into the page's form, whose POST carries it, and takes it out of the address bar and the
// history (templates/auth/_link_form.html).
(function () {
  "use strict";
  var field = document.getElementById("link-token");
  if (!field) return;
  var token = window.location.hash.slice(1);
  if (token) {
    field.value = decodeURIComponent(token);
    window.history.replaceState(null, "", window.location.pathname + window.location.search);
  }
  if (field.value) {
    document.getElementById("link-missing").hidden = true;
    document.getElementById("link-form").hidden = false;
  }
})();
