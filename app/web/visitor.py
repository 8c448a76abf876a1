"""What the browser session remembers: the visitor's address, recent ones, unlocked mailboxes.

The session cookie is signed, so a visitor cannot forge the ids of mailboxes they unlocked.
"""

from __future__ import annotations

from flask import session

from app.services.access import Principal

MAX_RECENT = 8


def principal() -> Principal:
    return Principal(mailbox_ids=frozenset(session.get("unlocked", [])))


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
