"""All the mail of the mailboxes a principal owns (visibility.owned_clause: every live one for
admin reach), as one inbox: what single-inbox catchers show (the MailHog and Mailpit doors).

Counts, pages, the latest message, search, marking and deleting all stay inside that scope;
a message outside it answers as one that does not exist, and a change to it does nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import selectinload, undefer

from app.extensions import db
from app.mail.search_query import Term
from app.models import Mailbox, Message
from app.services.access import Principal
from app.services.errors import MessageNotFound
from app.services.ids import MAX_PUBLIC_ID
from app.services.mailbox_life import purge, visibility
from app.services.stored_mail import search

MAX_LIMIT = 1000


@dataclass(frozen=True)
class Slice:
    total: int  # messages in scope
    unread: int  # unread in scope
    matched: int  # matching the query (all of them without one)
    matched_unread: int
    messages: list[Message]  # newest first, from `start`, with raw source and attachments


def _mailboxes(principal: Principal) -> sa.Select[int]:
    return sa.select(Mailbox.id).where(visibility.owned_clause(principal))


Query = str | list[Term] | None  # a search (text or terms); None for everything in scope


def _scope(principal: Principal, query: Query = None,
           tz: str | None = None) -> sa.ColumnElement[bool]:
    within = Message.mailbox_id.in_(_mailboxes(principal))
    return sa.and_(within, search.condition(query, tz)) if query else within


def _counts(condition: sa.ColumnElement[bool]) -> tuple[int, int]:
    total, unread = db.session.execute(
        sa.select(sa.func.count(Message.id),
                  sa.func.coalesce(sa.func.sum(sa.case((Message.seen.is_(False), 1),
                                                       else_=0)), 0)).where(condition)).one()
    return int(total), int(unread)


def page(principal: Principal, *, start: int = 0, limit: int = 50, query: Query = None,
         tz: str | None = None) -> Slice:
    """Newest first from offset `start`: three statements (counts, matches, the page)."""
    start, limit = max(start, 0), min(max(limit, 0), MAX_LIMIT)
    total, unread = _counts(_scope(principal))
    condition = _scope(principal, query, tz)
    matched, matched_unread = (total, unread) if not query else _counts(condition)
    messages = list(db.session.execute(
        sa.select(Message).where(condition).order_by(Message.id.desc()).offset(start)
        .limit(limit).options(selectinload(Message.attachments), undefer(Message.raw),
                              undefer(Message.text_body), undefer(Message.html_body),
                              undefer(Message.headers))).scalars())
    return Slice(total, unread, matched, matched_unread, messages)


@dataclass(frozen=True)
class Stream:
    matched: int  # messages matching the query (all in scope without one)
    batches: Iterator[list[Message]]  # newest first, from `start`, with raw source


def stream(principal: Principal, *, start: int = 0, limit: int = 50, query: Query = None,
           batch: int = 10) -> Stream:
    """A page too large to hold at once (MailHog's, whose items carry each message three
    times): two statements, whatever the page holds. The count runs now, so a bad query is
    still an answer of its own; the page is one query, run when its first batch is asked
    for (in the streamed body's own session), whose rows the database hands over `batch` at
    a time, so at most a batch of messages is in memory."""
    start, limit = max(start, 0), min(max(limit, 0), MAX_LIMIT)
    condition = _scope(principal, query)
    matched, _ = _counts(condition)
    rows = (sa.select(Message).where(condition).order_by(Message.id.desc()).offset(start)
            .limit(limit).options(undefer(Message.raw)))
    return Stream(matched, _batches(rows, batch))


def _batches(rows: sa.Select[Message], batch: int) -> Iterator[list[Message]]:
    found = db.session.execute(rows, execution_options={"yield_per": batch}).scalars()
    try:
        for part in found.partitions():
            yield list(part)
    finally:
        found.close()  # a page cut short by its byte cap leaves rows unread


def latest(principal: Principal) -> int:
    """The public id of the newest message in scope; MessageNotFound when there is none."""
    found = db.session.execute(
        sa.select(Message.public_id).where(_scope(principal)).order_by(Message.id.desc())
        .limit(1)).scalar_one_or_none()
    if found is None:
        raise MessageNotFound()
    return int(found)


def _targets(principal: Principal, public_ids: list[int] | None,
             query: Query, tz: str | None) -> sa.ColumnElement[bool]:
    condition = _scope(principal, query, tz)
    if public_ids is not None:
        wanted = [i for i in public_ids if 0 < i < MAX_PUBLIC_ID]
        condition = sa.and_(condition, Message.public_id.in_(wanted))
    return condition


def mark(principal: Principal, read: bool, *, public_ids: list[int] | None = None,
         query: Query = None, tz: str | None = None) -> int:
    """Read or unread: the given messages, those matching `query`, or all in scope."""
    changed = cast(sa.CursorResult[Any], db.session.execute(
        sa.update(Message).where(_targets(principal, public_ids, query, tz))
        .values(seen=read).execution_options(synchronize_session=False)))
    db.session.commit()
    return int(changed.rowcount)


def delete(principal: Principal, *, public_ids: list[int] | None = None,
           query: Query = None, tz: str | None = None) -> int:
    """Delete the given messages, those matching `query`, or all in scope, in one
    transaction; each mailbox's used bytes go down by what it lost."""
    return purge.delete_messages_where(_targets(principal, public_ids, query, tz))
