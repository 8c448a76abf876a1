"""A mailbox's messages as the screens and endpoints show them, in as few statements as the
data allows: the mailbox's state with its counts is one statement, a page of summaries one
more, and an inbox screen adds the list of domains it offers.

Access is checked once per read (app.services.access); a mailbox the principal may not read,
or that has expired, looks exactly like one that does not exist.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.orm import selectinload, undefer

from app.extensions import db
from app.mail import addresses
from app.models import Domain, Mailbox, Message
from app.services.access import Principal, can_read
from app.services.errors import InvalidInput, MailboxNotFound
from app.services.ids import MAX_PUBLIC_ID
from app.services.mailbox_life import domains, mailbox_policy, mailboxes
from app.services.stored_mail.message_filters import EVERYTHING, Filters

MAX_PAGE = 100

# What a list shows of each message: plain rows, no ORM objects (lists are the hot path).
SUMMARY = (Message.public_id, Message.from_name, Message.from_addr, Message.subject,
           Message.received_at, Message.size, Message.seen, Message.has_attachments,
           Message.preview, Message.tag)


class Summary(Protocol):
    public_id: int
    from_name: str
    from_addr: str
    subject: str
    received_at: datetime
    size: int
    seen: bool
    has_attachments: bool
    preview: str
    tag: str | None


@dataclass(frozen=True)
class Page:
    items: Sequence[Summary]
    next_cursor: int | None  # public id of the last item when more follow


EMPTY = Page([], None)


@dataclass(frozen=True)
class MailboxState:
    """A live, readable mailbox with its counts (kept on its row at write time)."""

    id: int
    address: str
    protected: bool
    owner_id: int | None
    created_at: datetime
    expires_at: datetime | None
    used_bytes: int
    total: int
    unread: int
    pending: int  # messages whose authentication verdicts are still being worked out
    changes: int  # moves with every arrival, deletion, read flag and verdict in this mailbox

    @property
    def version(self) -> str:
        """Changes whenever the list would: mail arrives, is deleted, is read or unread,
        gets its verdicts. Per mailbox: it tells nobody about other mailboxes' mail."""
        return f"{self.changes}-{self.unread}"


NO_MAILBOX_VERSION = "none"


def unread_of(version: str) -> int:
    """The unread count a version (MailboxState.version) was made from."""
    return 0 if version == NO_MAILBOX_VERSION else int(version.split("-")[1])


_STATE = (
    sa.select(Mailbox.id, Mailbox.address, Mailbox.local_part, Mailbox.protected,
              Mailbox.owner_id, Mailbox.token_hash, Mailbox.created_at, Mailbox.expires_at,
              Mailbox.used_bytes, Mailbox.message_count, Mailbox.unread_count,
              Mailbox.pending_count, Mailbox.change_count)
    .where(Mailbox.address == sa.bindparam("address"))
)


def find_state(address: str, principal: Principal) -> MailboxState | None:
    """The mailbox with its counts, in one statement of one row; None where it may not be
    shown."""
    row = db.session.connection().execute(
        _STATE, {"address": addresses.normalize(address)}).one_or_none()
    if row is None or not mailbox_policy.is_live(row) or not can_read(principal, row):
        return None
    return MailboxState(row.id, row.address, row.protected, row.owner_id, row.created_at,
                        row.expires_at, row.used_bytes, row.message_count, row.unread_count,
                        row.pending_count, row.change_count)


def mailbox_state(address: str, principal: Principal) -> MailboxState:
    state = find_state(address, principal)
    if state is None:
        raise MailboxNotFound()
    return state


def page(mailbox_id: int, *, limit: int = 50, cursor: int | None = None,
         since: int | None = None, filters: Filters = EVERYTHING) -> Page:
    """Summaries newest first, in one statement; `cursor` continues after a message,
    `since` keeps only newer ones (both public ids of messages in this mailbox)."""
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"limit must be between 1 and {MAX_PAGE}.")
    query = (sa.select(*SUMMARY).where(Message.mailbox_id == mailbox_id)
             .order_by(Message.id.desc()).limit(limit + 1))
    for public_id, keep in ((cursor, Message.id.__lt__), (since, Message.id.__gt__)):
        if public_id is not None:
            query = query.where(keep(_row_of(mailbox_id, public_id)))
    query = filters.apply(query)
    rows = list(db.session.connection().execute(query).all())
    if not rows and (cursor is not None or since is not None):
        _check_known(mailbox_id, cursor, since)  # an empty page: was the cursor one of ours?
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, rows[-1].public_id if more and rows else None)


def _row_of(mailbox_id: int, public_id: int) -> sa.ScalarSelect[int]:
    if not 0 < public_id < MAX_PUBLIC_ID:
        raise InvalidInput("Unknown cursor.")
    return (sa.select(Message.id).where(Message.mailbox_id == mailbox_id,
                                        Message.public_id == public_id).scalar_subquery())


def _check_known(mailbox_id: int, *public_ids: int | None) -> None:
    wanted = [p for p in public_ids if p is not None]
    found = db.session.execute(sa.select(sa.func.count()).select_from(Message).where(
        Message.mailbox_id == mailbox_id, Message.public_id.in_(wanted))).scalar_one()
    if found != len(wanted):
        raise InvalidInput("Unknown cursor.")


def list_messages(address: str, principal: Principal, *, limit: int = 50,
                  cursor: int | None = None, since: int | None = None,
                  filters: Filters = EVERYTHING) -> Page:
    """A page of the mailbox's summaries (see `page`): two statements."""
    return page(mailboxes.readable_id(address, principal), limit=limit, cursor=cursor,
                since=since, filters=filters)


def end_read() -> None:
    """Close this thread's read transaction, so the next look sees what others committed."""
    db.session.remove()


@dataclass(frozen=True)
class InboxView:
    """The browser inbox: the address, its mailbox (None until mail arrives), the domains a
    visitor can choose from, and the newest messages."""

    address: str
    state: MailboxState | None
    domains: list[Domain]
    page: Page

    @property
    def version(self) -> str:
        return NO_MAILBOX_VERSION if self.state is None else self.state.version


def open_inbox(address: str, principal: Principal, *, limit: int = 50) -> InboxView:
    """Three statements: the domains, the mailbox with its counts, a page of summaries.
    MailboxNotFound for addresses that can never be shown (reserved, foreign domains)."""
    active = domains.list_active()
    normalized = _viewable(address, active)
    state = find_state(normalized, principal)
    found = EMPTY if state is None or not state.total else page(state.id, limit=limit)
    return InboxView(normalized, state, active, found)


def inbox_changes(address: str, principal: Principal, known: str | None,
                  *, limit: int = 50) -> tuple[str, Page | None]:
    """For a polled list: (version, None) in one statement when nothing changed since
    `known`, else (version, page) in two."""
    state = find_state(address, principal)
    if state is None:
        mailboxes.check_viewable(address)  # reserved names and foreign domains are 404
        return NO_MAILBOX_VERSION, None if known == NO_MAILBOX_VERSION else EMPTY
    if state.version == known:
        return state.version, None
    return state.version, page(state.id, limit=limit) if state.total else EMPTY


def _viewable(address: str, active: list[Domain]) -> str:
    try:
        local, domain = addresses.split(address)
    except addresses.InvalidAddress:
        raise MailboxNotFound() from None
    if addresses.is_reserved(local) or domain not in {d.name for d in active}:
        raise MailboxNotFound()
    return f"{local}@{domain}"


class Arrival(Summary, Protocol):
    id: int  # the message's row id, which no door shows as such


def summaries(mailbox_id: int, *, limit: int = 1000,
              oldest_first: bool = False) -> Sequence[Arrival]:
    """Every message's summary (up to `limit`), for doors that do not page: one statement.
    Rows also carry `id`, the message's row id (which no door shows as such)."""
    order = Message.id.asc() if oldest_first else Message.id.desc()
    return db.session.execute(sa.select(*SUMMARY, Message.id).where(
        Message.mailbox_id == mailbox_id).order_by(order).limit(limit)).all()


def received_around(mailbox_id: int, moment: datetime,
                    slack: timedelta = timedelta(milliseconds=2)) -> Sequence[Arrival]:
    """The summaries (with row ids) of messages received within `slack` of `moment`: for
    doors whose ids are arrival times (developermail). One indexed statement."""
    return db.session.execute(sa.select(*SUMMARY, Message.id).where(
        Message.mailbox_id == mailbox_id, Message.received_at >= moment - slack,
        Message.received_at <= moment + slack)).all()


def with_bodies(address: str, principal: Principal, *, oldest_first: bool = False,
                limit: int = 1000, owned_only: bool = False) -> list[Message]:
    """Every message of a mailbox (up to `limit`) with bodies and attachments, for doors that
    do not page: three statements (the mailbox, the messages, their attachments)."""
    mailbox_id = mailboxes.readable_id(address, principal, owned_only=owned_only)
    order = Message.id.asc() if oldest_first else Message.id.desc()
    return list(db.session.execute(
        sa.select(Message).where(Message.mailbox_id == mailbox_id)
        .options(selectinload(Message.attachments), undefer(Message.text_body),
                 undefer(Message.html_body)).order_by(order).limit(limit)).scalars())


def at_offset(address: str, principal: Principal, offset: int,
              limit: int) -> tuple[int, list[Message]]:
    """(how many in all, `limit` of them from `offset`, newest first, with headers and
    attachments but no bodies), for doors that page by number: three statements."""
    state = mailbox_state(address, principal)
    found = list(db.session.execute(
        sa.select(Message).where(Message.mailbox_id == state.id).order_by(Message.id.desc())
        .offset(max(offset, 0)).limit(min(max(limit, 0), MAX_PAGE))
        .options(selectinload(Message.attachments), undefer(Message.headers))).scalars())
    return state.total, found
