"""What the browser session remembers: the visitor's address, recent ones, unlocked mailboxes.

The session cookie is signed, so a visitor cannot forge a grant; each grant also carries a
proof derived from the mailbox's token, so it dies with that mailbox and with that token.
"""

from __future__ import annotations

import hashlib

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
                     grants=frozenset(_grants()))


def current_address() -> str | None:
    return session.get("address")


def current_mailbox_id() -> int | None:
    """The row id of the mailbox this browser made for its address (ids are never reused)."""
    found = session.get("address_id")
    return found if isinstance(found, int) else None


def remember(address: str, mailbox_id: int) -> None:
    """Make this the visitor's address and keep it among the recent ones."""
    session["address"], session["address_id"] = address, mailbox_id
    recent = [a for a in session.get("recent", []) if a != address]
    session["recent"] = [address, *recent][:MAX_RECENT]


def recent() -> list[str]:
    return list(session.get("recent", []))


MAX_GRANTS = 32
# The session is a cookie, and a browser drops a cookie past 4 KB (the visitor would lose
# their address, grants and sign-in): senders are kept as short digests, at most this many.
MAX_IMAGE_SENDERS = 40


def shows_images_from(sender: str) -> bool:
    """Whether the reader asked to always see remote images in this sender's mail."""
    return bool(sender) and _digest(sender) in session.get("images_from", [])


def show_images_from(sender: str, show: bool) -> None:
    if not sender:
        return  # mail without a sender address: the choice can only be per message
    digest = _digest(sender)
    kept = [s for s in session.get("images_from", []) if s != digest]
    session["images_from"] = ([digest] if show else []) + kept[:MAX_IMAGE_SENDERS - 1]


def _digest(sender: str) -> str:
    return hashlib.sha256(sender.lower().encode()).hexdigest()[:12]


def _grants() -> list[tuple[int, str]]:
    kept = session.get("grants", [])
    return [(int(g[0]), str(g[1])) for g in kept if isinstance(g, list) and len(g) == 2]


def unlock(grant: tuple[int, str]) -> None:
    """Keep a grant from mailboxes.open_with_token for the rest of this browser session."""
    kept = [g for g in _grants() if g != grant]
    session["grants"] = [list(g) for g in [*kept, grant][-MAX_GRANTS:]]


class SessionUser:
    """What Flask-Login keeps: the user id and the user's current session secret."""

    def __init__(self, user: User) -> None:
        self.user = user

    def __getattr__(self, name: str) -> object:
        return getattr(self.user, name)

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        return f"{self.user.id}:{self.user.session_secret}"


# What a visitor keeps across sign-in and out: their address, Recent list, image choices.
CARRIED = ("address", "address_id", "recent", "images_from")


def fresh_session() -> None:
    """Everything but the visitor's address and Recent list goes: unlocked mailboxes too."""
    kept = {name: session[name] for name in CARRIED if name in session}
    session.clear()
    session.update(kept)


def sign_in(user: User) -> None:
    """A fresh session at login (no fixation, no grants carried over); the visitor's address
    and Recent list stay, so signing up does not throw away the inbox they were using."""
    fresh_session()
    login_user(SessionUser(user))
