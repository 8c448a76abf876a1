"""Resetting a forgotten password with a link sent by mail.

The link carries a token signed with SECRET_KEY (itsdangerous, as Flask's own sessions), good
for RESET_LINK_LIFETIME, naming the user and a fingerprint of their password hash and session
secret: setting a password changes both, so a link works once, and any earlier link dies
with it. Asking never says whether an account exists.

The caller builds the link from PUBLIC_URL, never from the request (app/http/links.py), and
puts the token after `#`: browsers never send that part, so no access log or proxy sees it,
and the page posts it in a form.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
from datetime import timedelta

from flask import Flask, current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from app.models import User
from app.services.accounts import users
from app.services.context import settings
from app.services.errors import InvalidInput
from app.services.outgoing import relay

log = logging.getLogger(__name__)
RESET_LINK_LIFETIME = timedelta(hours=1)
SALT = "mayfly-password-reset"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings().secret_key, salt=SALT)


def _fingerprint(user: User) -> str:
    return hashlib.sha256(f"{user.password_hash}:{user.session_secret}".encode()).hexdigest()[:32]


def mailed_link(page: str, token: str) -> str:
    """The link a mail carries: the page's absolute URL with the token after #. Browsers
    never send that part, so the token stays out of request lines, proxies' logs and
    Referer headers; the page's script posts it."""
    return f"{page}#{token}"


def request_reset(email: str, reset_page: str) -> None:
    """Mail a reset link (to `reset_page`, an absolute URL from PUBLIC_URL) to the account
    with this email, if there is one. RelayUnavailable when Mayfly has no way to send mail
    (the caller says to ask the operator).

    The mail goes from a background thread: the asker waits no longer, and hears nothing
    different, when the account exists (a relay's delay or failure would tell). A relay
    failure is logged for the operator."""
    if not relay.configured():
        raise relay.RelayUnavailable("no SMTP_RELAY_URL")
    user = users.find_by_email(email)
    if user is None:
        return  # the same answer either way
    link = mailed_link(reset_page, token_for(user))
    body = (f"Someone (we hope you) asked to reset the password of {user.email}.\n\n"
            f"Set a new one here, within {LINK_MINUTES} minutes:\n{link}\n\n"
            "If it was not you, ignore this mail: nothing changes.\n")
    mail_later(user.email, "Reset your Mayfly password", body)


LINK_MINUTES = int(RESET_LINK_LIFETIME.total_seconds() // 60)


def token_for(user: User) -> str:
    """A reset token for this user (what the link carries)."""
    return _serializer().dumps({"u": user.id, "f": _fingerprint(user)})


def mail_later(to: str, subject: str, body: str) -> None:
    """Send through the relay from a background thread: the asker waits no longer, and hears
    nothing different, whichever mail (or none) goes. A relay failure is logged."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    threading.Thread(target=_send, args=(app, to, subject, body), daemon=True).start()


def _send(app: Flask, to: str, subject: str, body: str) -> None:
    with app.app_context():
        try:
            relay.send(to, subject, body)
        except relay.RelayUnavailable:
            log.exception("the mail %r to %s could not be sent", subject, to)


def user_for(token: str) -> User:
    """The user a live, unused link names; InvalidInput otherwise."""
    try:
        data = _serializer().loads(token, max_age=int(RESET_LINK_LIFETIME.total_seconds()))
        user = users.get_user(int(data["u"]))
    except (BadSignature, KeyError, TypeError, ValueError):
        user = None
        data = {}
    if user is None or not hmac.compare_digest(str(data.get("f", "")), _fingerprint(user)):
        raise InvalidInput("This reset link has expired or was already used. Ask for a new one.")
    return user


def reset(token: str, new_password: str) -> User:
    user = user_for(token)
    users.set_password(user, new_password)
    return user
