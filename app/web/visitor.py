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
    """The row id of the mailbox this browser made for its address (ids are never reused);
    None unless this browser made it (a session from before ids were kept names none)."""
    found = session.get("address_id")
    return found if _is_id(found) and found in made_ids() else None


def remember(address: str, mailbox_id: int) -> None:
    """Make this mailbox, which this browser made, the visitor's address, and keep it among
    the recent ones with its id. Only ever called with the id of a mailbox this browser
    created (or one of those again): Recent and Keep trust these ids, never bare addresses."""
    session["address"], session["address_id"] = address, mailbox_id
    kept = [[a, i] for a, i in _recent() if a != address]
    session["recent"] = [[address, mailbox_id], *kept][:MAX_RECENT]


def _is_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _recent() -> list[tuple[str, int]]:
    """(address, mailbox id) of the mailboxes this browser made, newest first. Bare
    addresses (sessions from before ids were kept) are dropped: whose they are is unknown."""
    return [(str(entry[0]), int(entry[1])) for entry in session.get("recent", [])
            if isinstance(entry, list | tuple) and len(entry) == 2
            and isinstance(entry[0], str) and _is_id(entry[1])]


def recent() -> list[str]:
    """The addresses of the mailboxes this browser made, newest first."""
    return [address for address, _ in _recent()]


def made_id(address: str) -> int | None:
    """The id of the mailbox this browser made at `address`, if it made one. A mailbox at
    the same address with another id is someone else's (deleted or expired, then taken)."""
    return next((i for a, i in _recent() if a == address), None)


def made_ids() -> frozenset[int]:
    """The ids of the mailboxes this browser made (and still lists in Recent)."""
    return frozenset(i for _, i in _recent())


def forget(address: str) -> None:
    """Drop an address from Recent: its mailbox is gone or is someone else's now."""
    session["recent"] = [[a, i] for a, i in _recent() if a != address]


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
    """Keep a grant from mailbox_tokens.open_with_token for the rest of this browser session."""
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
