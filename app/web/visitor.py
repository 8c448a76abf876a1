"""What the browser session remembers: the visitor's address, recent ones, unlocked mailboxes.

The session cookie is signed, so a visitor cannot forge the ids of mailboxes they unlocked.
"""

from __future__ import annotations

from flask import session
from flask_login import current_user, login_user

from app.models import User
from app.services.access import Principal

MAX_RECENT = 8


def principal() -> Principal:
    """The visitor's unlocked mailboxes, and their account's when signed in."""
    user = current_user if current_user.is_authenticated else None
    return Principal(user_id=user.id if user else None,
                     is_admin=bool(user and user.is_admin),
                     mailbox_ids=frozenset(session.get("unlocked", [])))


def current_address() -> str | None:
    return session.get("address")


def remember(address: str) -> None:
    """Make this the visitor's address and keep it among the recent ones."""
    session["address"] = address
    recent = [a for a in session.get("recent", []) if a != address]
    session["recent"] = [address, *recent][:MAX_RECENT]


def recent() -> list[str]:
    return list(session.get("recent", []))


def unlock(mailbox_id: int) -> None:
    unlocked = set(session.get("unlocked", []))
    unlocked.add(mailbox_id)
    session["unlocked"] = sorted(unlocked)[-32:]


class SessionUser:
    """What Flask-Login keeps: the user id and the password generation it was issued under."""

    def __init__(self, user: User) -> None:
        self.user = user

    def __getattr__(self, name: str) -> object:
        return getattr(self.user, name)

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        return f"{self.user.id}:{self.user.session_version}"


def sign_in(user: User) -> None:
    """A fresh session at login: nothing a visitor had before carries over (no fixation)."""
    session.clear()
    login_user(SessionUser(user))
