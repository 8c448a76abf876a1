"""Signing up by mail, when Mayfly can send mail (SMTP_RELAY_URL): the answer never says
whether an email has an account.

Every sign-up gets the same answer ("check your mail") and one mail, sent from a background
thread (password_reset.mail_later), so the answer is as fast either way. To an email without
an account goes a link to choose a password, which creates the account: following it proves
the address is the asker's. To an email with one goes a note saying so, with a password-reset
link. The link carries the email signed with SECRET_KEY (itsdangerous), good for
SIGNUP_LINK_LIFETIME; once the account exists it opens nothing. As for resets, the caller
builds links from PUBLIC_URL and puts the token after `#`, where no server or log sees it.

Without a relay there is no way to prove an address: sign-up then creates the account at once
(app/web/auth.py) and, having signed in or not, cannot hide that an email is taken.
"""

from __future__ import annotations

from datetime import timedelta

from itsdangerous import BadSignature, URLSafeTimedSerializer

from app.models import User
from app.services.accounts import password_reset, users
from app.services.context import settings
from app.services.errors import EmailTaken, InvalidInput
from app.services.outgoing import relay

SIGNUP_LINK_LIFETIME = timedelta(hours=24)
SALT = "mayfly-signup"
SUBJECT_NEW = "Finish signing up to Mayfly"
SUBJECT_TAKEN = "You already have a Mayfly account"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings().secret_key, salt=SALT)


def request_signup(email: str, *, signup_page: str, reset_page: str, login_page: str) -> str:
    """Mail the asker what comes next; the normalized email. InvalidInput for a malformed
    email (the same for every asker); RelayUnavailable when there is no relay. The pages are
    absolute URLs from PUBLIC_URL; each mailed link carries its token after # on one."""
    if not relay.configured():
        raise relay.RelayUnavailable("no SMTP_RELAY_URL")
    email = email.strip().lower()
    if not users._EMAIL.match(email) or len(email) > 320:  # create_user's own rule
        raise InvalidInput("That is not an email address.")
    user = users.find_by_email(email)
    if user is None:
        hours = int(SIGNUP_LINK_LIFETIME.total_seconds() // 3600)
        link = password_reset.mailed_link(signup_page, _serializer().dumps({"e": email}))
        body = (f"Someone (we hope you) asked for a Mayfly account for {email}.\n\n"
                f"Choose its password here, within {hours} hours, and you are signed in:\n"
                f"{link}\n\nIf it was not you, ignore this mail: no account is made.\n")
        password_reset.mail_later(email, SUBJECT_NEW, body)
    else:
        link = password_reset.mailed_link(reset_page, password_reset.token_for(user))
        body = (f"Someone (we hope you) tried to sign up to Mayfly as {email}, which already "
                f"has an account.\n\nLog in here: {login_page}\n\n"
                f"Forgot its password? Set a new one here, within "
                f"{password_reset.LINK_MINUTES} minutes:\n{link}\n\n"
                "If it was not you, ignore this mail: nothing changes.\n")
        password_reset.mail_later(email, SUBJECT_TAKEN, body)
    return email


def email_for(token: str) -> str:
    """The email a live sign-up link names, while it has no account; InvalidInput otherwise."""
    try:
        data = _serializer().loads(token, max_age=int(SIGNUP_LINK_LIFETIME.total_seconds()))
        email = str(data["e"])
    except (BadSignature, KeyError, TypeError, ValueError):
        email = ""
    if not email or users.find_by_email(email) is not None:
        raise InvalidInput("This sign-up link has expired or was already used. Log in, or "
                           "sign up again.")
    return email


def complete(token: str, password: str) -> User:
    """Create the account the link names, with this password (InvalidInput if the link is
    dead or the password too short)."""
    email = email_for(token)
    try:
        return users.create_user(email, password)
    except EmailTaken:  # made by the same link a moment ago
        raise InvalidInput("This sign-up link was already used. Log in.") from None
