"""Mailbox accounts: an address and a password, signed in with a JWT (tempemail, mail.tm).

The JWT is HS256 under SECRET_KEY with the claims {"iat", "exp", "id", "key"}: the mailbox
id and the account's random token key. A token is refused after ACCOUNT_TOKEN_TTL, once its
account is gone, or when its key is not the account's current one, so a token can never
open an account created later, whatever id or second that account gets.
"""

from __future__ import annotations

import hmac

import jwt
import sqlalchemy as sa
from flask import current_app

from app.extensions import db
from app.mail import addresses
from app.models import Mailbox, MailboxAccount
from app.models.base import utcnow
from app.services import passwords
from app.services.context import settings
from app.services.errors import (
    Forbidden,
    InvalidInput,
    ReservedAddress,
    Unauthorized,
    UnknownDomain,
)
from app.services.ids import MAX_ROW_ID, parse_id
from app.services.mailbox_life import domains, mailbox_policy, mailboxes, purge

MIN_PASSWORD = 6
MAX_PASSWORD = 1024
ALGORITHM = "HS256"
# The doors count password guesses on an account under this name, whichever door they come
# through (mail.tm and tempemail open the same accounts), keyed by `sign_in_address`.
GUESS_COUNTER = "mailbox-account"


def sign_in_address(email: str) -> str:
    """The account a sign-in names, exactly as `authenticate` looks it up: what a door counts
    password guesses against, so `a@x`, `<a@x>`, `<<a@x>>` and ` A@X ` are one account to the
    limit as they are to the lookup."""
    return addresses.normalize(email)


def register(email: str, password: str, *, min_password: int = MIN_PASSWORD) -> Mailbox:
    """A new account mailbox, protected, living OWNED_MAILBOX_TTL; one transaction."""
    try:
        local, domain = addresses.split(email)
    except addresses.InvalidAddress:
        raise InvalidInput("Invalid email format.") from None
    if not min_password <= len(password) <= MAX_PASSWORD:
        raise InvalidInput(f"The password needs at least {min_password} characters.")
    if domains.find_active(domain) is None:
        raise UnknownDomain("That domain is not available.")
    if addresses.is_reserved(local):
        raise ReservedAddress()
    mailbox = mailboxes.new_account_mailbox(local, domain)
    db.session.add(MailboxAccount(mailbox_id=mailbox.id,
                                  password_hash=passwords.hashed(password)))
    mailboxes.commit_address()
    return mailbox


def _account_row(address: str) -> tuple[Mailbox, MailboxAccount] | None:
    row = db.session.execute(
        sa.select(Mailbox, MailboxAccount).join(MailboxAccount)
        .where(Mailbox.address == sign_in_address(address))).one_or_none()
    return None if row is None else (row[0], row[1])


def authenticate(email: str, password: str) -> Mailbox:
    """The account for this email and password; Unauthorized or Forbidden (disabled).

    An unknown or expired account checks a dummy hash, so it costs what a wrong password does.
    """
    found = _account_row(email) if isinstance(email, str) else None
    if found is None or not mailbox_policy.is_live(found[0]):
        passwords.matches(None, password)
        raise Unauthorized("Invalid credentials.")
    mailbox, account = found
    if not passwords.matches(account.password_hash, password):
        raise Unauthorized("Invalid credentials.")
    if account.disabled:
        raise Forbidden("This account is disabled.")
    return mailbox


def issue_token(mailbox: Mailbox) -> str:
    account = db.session.get(MailboxAccount, mailbox.id)
    if account is None:
        raise Unauthorized("Invalid token.")
    now = utcnow()
    payload = {"iat": int(now.timestamp()), "exp": now + settings().account_token_ttl,
               "id": str(mailbox.id), "key": account.token_key}
    return jwt.encode(payload, current_app.config["SECRET_KEY"], algorithm=ALGORITHM)


def from_token(token: str) -> Mailbox:
    """The live account a JWT opens; Unauthorized (bad, forged, expired, revoked) or
    Forbidden (disabled)."""
    try:
        payload = jwt.decode(token, current_app.config["SECRET_KEY"], algorithms=[ALGORITHM],
                             options={"require": ["iat", "exp", "id", "key"]})
    except jwt.PyJWTError:
        raise Unauthorized("Invalid token.") from None
    mailbox_id = parse_id(str(payload["id"]), MAX_ROW_ID)
    row = None if mailbox_id is None else db.session.execute(
        sa.select(Mailbox, MailboxAccount).join(MailboxAccount)
        .where(Mailbox.id == mailbox_id)).one_or_none()
    if row is None or not mailbox_policy.is_live(row[0]) or not hmac.compare_digest(
            row[1].token_key.encode(), str(payload["key"]).encode()):
        raise Unauthorized("Invalid token.")
    if row[1].disabled:
        raise Forbidden("This account is disabled.")
    return row[0]


def delete(mailbox: Mailbox) -> None:
    """The account and all its messages are gone; its tokens die with it."""
    purge.delete_ids([mailbox.id])
    db.session.commit()


def set_disabled(address: str, disabled: bool) -> Mailbox:
    """Disable or enable an account (admins)."""
    found = _account_row(address)
    if found is None:
        raise InvalidInput(f"No account {address!r}.")
    found[1].disabled = disabled
    db.session.commit()
    return found[0]
