"""The one place that decides a mailbox's life: whether it is live, when it expires, what its
row looks like when it is made, and whether it has room for more mail.

Every other module asks here, for a row in hand or (the `*_clause` twins) in a query; none
compares `expires_at` or a quota on its own. Who may see a live mailbox: `visibility`.
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta
from typing import Any, Protocol

import sqlalchemy as sa

from app.mail import addresses
from app.models import Mailbox
from app.models.base import utcnow
from app.services.context import settings


class Lifetime(enum.Enum):
    PUBLIC = "public"  # made by its first message or a visitor: PUBLIC_MAILBOX_TTL
    KEPT = "kept"  # owned by a user, or a mailbox account: OWNED_MAILBOX_TTL (0: never)
    FOREVER = "forever"  # reserved names (postmaster, abuse, …): never expire


class HasExpiry(Protocol):
    @property
    def expires_at(self) -> datetime | None: ...


def is_live(mailbox: HasExpiry, now: datetime | None = None) -> bool:
    """Whether the mailbox still exists for every door: not expired."""
    return mailbox.expires_at is None or mailbox.expires_at > (now or utcnow())


def live_clause(now: datetime | None = None) -> sa.ColumnElement[bool]:
    """is_live for a query over mailboxes."""
    return sa.or_(Mailbox.expires_at.is_(None), Mailbox.expires_at > (now or utcnow()))


def expired_clause(for_at_least: timedelta = timedelta(0)) -> sa.ColumnElement[bool]:
    """The mailboxes that expired at least `for_at_least` ago: what the purge removes."""
    return Mailbox.expires_at <= utcnow() - for_at_least


def never_expires(mailbox: HasExpiry) -> bool:
    """Whether the mailbox lives forever (extending it changes nothing)."""
    return mailbox.expires_at is None


def is_held(mailbox: HasExpiry, now: datetime | None = None) -> bool:
    """Expired less than EXPIRED_HOLD ago: nobody may receive at, read or take the address."""
    now = now or utcnow()
    return (mailbox.expires_at is not None and mailbox.expires_at <= now
            and mailbox.expires_at > now - settings().expired_hold)


def held_when_deleted(lifetime: Lifetime) -> bool:
    """Whether deleting a mailbox of this lifetime expires it now (its mail goes at once, the
    row is held for EXPIRED_HOLD like any expired one, then purged) rather than removing it.

    Public mailboxes are: otherwise "delete" would skip the hold, and a stranger could take
    the address (a new mailbox) at once, while a tab, a test or a sender still uses it.
    Owned and account mailboxes go at once: nobody else can be handed their address by it
    being free again before their owner chose to free it."""
    return lifetime is Lifetime.PUBLIC


def expiry(lifetime: Lifetime, now: datetime | None = None) -> datetime | None:
    """When a mailbox made (or extended) now stops living; None for never."""
    now = now or utcnow()
    if lifetime is Lifetime.FOREVER:
        return None
    if lifetime is Lifetime.KEPT:
        ttl = settings().owned_mailbox_ttl
        return now + ttl if ttl else None
    return now + settings().public_mailbox_ttl


def lifetime_of(*, owner_id: int | None, is_account: bool, local_part: str) -> Lifetime:
    if addresses.is_reserved(local_part):
        return Lifetime.FOREVER
    return Lifetime.KEPT if owner_id is not None or is_account else Lifetime.PUBLIC


def time_left(mailbox: HasExpiry, now: datetime | None = None) -> timedelta | None:
    if mailbox.expires_at is None:
        return None
    return max(mailbox.expires_at - (now or utcnow()), timedelta(0))


def new_row(local: str, domain: str, domain_id: int, *, lifetime: Lifetime,
            owner_id: int | None = None, token_hash: str | None = None,
            protected: bool = False, now: datetime | None = None,
            ttl: timedelta | None = None) -> dict[str, Any]:
    """The columns of a new mailbox, for the ORM (`Mailbox(**row)`) and batch inserts alike.

    Owned, token-holding and reserved mailboxes are protected: only their owner, their
    token's holders or an admin read them. A `ttl` asked for by the creator can only shorten
    the life its kind gets, never lengthen it.
    """
    now = now or utcnow()
    expires_at = expiry(lifetime, now)
    if ttl is not None and (expires_at is None or now + ttl < expires_at):
        expires_at = now + ttl
    return {
        "address": f"{local}@{domain}", "local_part": local, "domain_id": domain_id,
        "protected": protected or owner_id is not None or token_hash is not None
        or lifetime is Lifetime.FOREVER,
        "owner_id": owner_id, "token_hash": token_hash, "created_at": now,
        "expires_at": expires_at, "used_bytes": 0,
    }


def has_room(used_bytes: int, size: int) -> bool:
    """Whether a mailbox holding `used_bytes` may take `size` more (MAILBOX_QUOTA)."""
    limit = settings().mailbox_quota
    return not limit or used_bytes + size <= limit


def is_full(used_bytes: int) -> bool:
    """Whether a mailbox can take nothing more: RCPT is refused before any DATA."""
    limit = settings().mailbox_quota
    return bool(limit) and used_bytes >= limit
