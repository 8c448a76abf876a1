"""Users: sign-up, password checks, changes, deletion with everything they own."""

from __future__ import annotations

import hmac
import re

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import ApiKey, Mailbox, UsageDay, User
from app.models.user import new_session_secret
from app.services import passwords
from app.services.errors import EmailTaken, InvalidInput, Unauthorized
from app.services.ids import MAX_ROW_ID, parse_id
from app.services.mailbox_life import purge, visibility

MIN_PASSWORD = 10
MAX_PASSWORD = 1024
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


def _check_password(password: str) -> None:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InvalidInput(f"A password needs at least {MIN_PASSWORD} characters.")


def create_user(email: str, password: str, *, is_admin: bool = False) -> User:
    """A new user; the password is stored hashed (app.services.passwords)."""
    email = email.strip().lower()
    if not _EMAIL.match(email) or len(email) > 320:
        raise InvalidInput("That is not an email address.")
    _check_password(password)
    user = User(email=email, password_hash=passwords.hashed(password), is_admin=is_admin)
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise EmailTaken() from None
    return user


def authenticate(email: str, password: str) -> User | None:
    """The user whose email and password these are, or None."""
    user = find_by_email(email)
    # An unknown email costs what a wrong password does (passwords.matches).
    return user if passwords.matches(user.password_hash if user else None, password) else None


def find_by_email(email: str) -> User | None:
    return db.session.execute(
        sa.select(User).filter_by(email=email.strip().lower())).scalar_one_or_none()


def get_user(user_id: int) -> User | None:
    return db.session.get(User, user_id)


def list_users() -> list[User]:
    return list(db.session.execute(sa.select(User).order_by(User.id)).scalars())


def change_password(user: User, current: str, new: str) -> None:
    """Needs the current password; every other session of the user ends."""
    if not passwords.matches(user.password_hash, current):
        raise Unauthorized("The current password is wrong.")
    set_password(user, new)


def set_password(user: User, new: str) -> None:
    """A new password without the old one (a reset link, the operator's CLI); every session
    of the user ends."""
    _check_password(new)
    user.password_hash = passwords.hashed(new)
    user.session_secret = new_session_secret()
    db.session.commit()


def end_sessions(user: User) -> None:
    """Every signed-in session of the user ends now, on every process (logout)."""
    user.session_secret = new_session_secret()
    db.session.commit()


def user_for_session(user_id: str, secret: str) -> User | None:
    """The user a session names, if the session still holds the user's current secret."""
    row_id = parse_id(user_id, MAX_ROW_ID)
    user = None if row_id is None else db.session.get(User, row_id)
    if user is None or not hmac.compare_digest(user.session_secret.encode(), secret.encode()):
        return None
    return user


def delete_user(user: User) -> None:
    """The user and everything they own: mailboxes with their mail, keys, usage."""
    owned = list(db.session.execute(
        sa.select(Mailbox.id).where(visibility.belongs_to(user.id))).scalars())
    if owned:
        purge.delete_ids(owned)
    db.session.execute(sa.delete(ApiKey).where(ApiKey.user_id == user.id))
    db.session.execute(sa.delete(UsageDay).where(UsageDay.user_id == user.id))
    db.session.execute(sa.delete(User).where(User.id == user.id))
    db.session.commit()


def set_plan(user: User, *, requests: int | None = None, mailboxes_limit: int | None = None,
             storage: int | None = None, domain_types: tuple[str, ...] | None = None) -> None:
    """An admin's per-user limits; None leaves a limit as it is."""
    if requests is not None:
        user.plan_requests = requests
    if mailboxes_limit is not None:
        user.plan_mailboxes = mailboxes_limit
    if storage is not None:
        user.plan_storage = storage
    if domain_types is not None:
        user.plan_domain_types = ",".join(domain_types)
    db.session.commit()


def set_admin(user: User, is_admin: bool) -> None:
    user.is_admin = is_admin
    db.session.commit()
