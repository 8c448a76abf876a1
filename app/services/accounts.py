"""Mailboxes that are accounts: an address and a password, signed in with a JWT (tempemail).

The JWT is HS256 with the server's SECRET_KEY; its payload is {"iat", "id"} with the
mailbox id. A token is refused once its mailbox is gone, and a token issued before the
mailbox was created is refused too, so an id the store reuses never reopens to old tokens.
"""

from __future__ import annotations

from datetime import UTC, datetime

import jwt
import sqlalchemy as sa
from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db
from app.mail import addresses
from app.models import Mailbox
from app.models.base import utcnow
from app.services import domains, mailboxes
from app.services.errors import (
    Forbidden,
    InvalidInput,
    ReservedAddress,
    Unauthorized,
    UnknownDomain,
)

MIN_PASSWORD = 6
ALGORITHM = "HS256"


def register(email: str, password: str) -> Mailbox:
    """A new account mailbox: protected, living OWNED_MAILBOX_TTL."""
    try:
        local, domain = addresses.split(email)
    except addresses.InvalidAddress:
        raise InvalidInput("Invalid email format.") from None
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"The password needs at least {MIN_PASSWORD} characters.")
    if domains.find_active(domain) is None:
        raise UnknownDomain("That domain is not available.")
    if addresses.is_reserved(local):
        raise ReservedAddress()
    created = mailboxes.create_mailbox(local, domain, protected=True, long_lived=True)
    mailbox = created.mailbox
    mailbox.token_hash = None  # an account opens with its password and JWTs, not a token
    mailbox.password_hash = generate_password_hash(password)
    db.session.commit()
    return mailbox


def authenticate(email: str, password: str) -> Mailbox:
    """The account for this email and password; Unauthorized or Forbidden (disabled)."""
    mailbox = db.session.execute(
        sa.select(Mailbox).filter_by(address=addresses.normalize(email))).scalar_one_or_none()
    if mailbox is None or mailbox.password_hash is None or not mailboxes.exists(mailbox.address):
        raise Unauthorized("Invalid credentials.")
    if not check_password_hash(mailbox.password_hash, password):
        raise Unauthorized("Invalid credentials.")
    if mailbox.disabled:
        raise Forbidden("This account is disabled.")
    return mailbox


def issue_token(mailbox: Mailbox) -> str:
    payload = {"iat": int(utcnow().timestamp()), "id": str(mailbox.id)}
    return jwt.encode(payload, current_app.config["SECRET_KEY"], algorithm=ALGORITHM)


def from_token(token: str) -> Mailbox:
    """The live account a JWT opens; Unauthorized (bad, forged, revoked) or Forbidden."""
    try:
        payload = jwt.decode(token, current_app.config["SECRET_KEY"], algorithms=[ALGORITHM],
                             options={"require": ["iat", "id"]})
        mailbox_id = int(payload["id"])
        issued = datetime.fromtimestamp(int(payload["iat"]), UTC)
    except (jwt.PyJWTError, ValueError, TypeError):
        raise Unauthorized("Invalid token.") from None
    mailbox = db.session.get(Mailbox, mailbox_id)
    if (mailbox is None or mailbox.password_hash is None
            or issued < mailbox.created_at.replace(microsecond=0)
            or not mailboxes.exists(mailbox.address)):
        raise Unauthorized("Invalid token.")
    if mailbox.disabled:
        raise Forbidden("This account is disabled.")
    return mailbox


def delete(mailbox: Mailbox) -> None:
    """The account and all its messages are gone."""
    mailboxes.delete_ids([mailbox.id])


def set_disabled(address: str, disabled: bool) -> Mailbox:
    """Disable or enable an account (admins)."""
    mailbox = db.session.execute(
        sa.select(Mailbox).filter_by(address=addresses.normalize(address))).scalar_one_or_none()
    if mailbox is None:
        raise InvalidInput(f"No mailbox {address!r}.")
    mailbox.disabled = disabled
    db.session.commit()
    return mailbox

