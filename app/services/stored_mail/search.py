"""Search terms (app.mail.search_query) as conditions on stored messages: words through the
full-text index (app.services.stored_mail.search_index), flags and dates on the message's columns.

Every search of every door comes through `terms`, which holds a query to the language's limits
(length, terms, words) before anything touches the store: `find` and `condition` call it first,
whether they are given a text or terms a door built."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa

from app.extensions import db
from app.mail.search_query import QueryError, Term, check, parse
from app.models import Mailbox, Message
from app.services.access import Principal
from app.services.errors import InvalidInput, Unauthorized
from app.services.ids import MAX_PUBLIC_ID
from app.services.mailbox_life import mailbox_reads, visibility
from app.services.stored_mail import search_index
from app.services.stored_mail.pages import MAX_PAGE, SUMMARY


def terms(query: str | Sequence[Term]) -> list[Term]:
    """The terms of a query text (or terms a door built), within the language's limits;
    InvalidInput (with the reason) for a query that means nothing or is over a limit."""
    try:
        return parse(query) if isinstance(query, str) else check(query)
    except QueryError as exc:
        raise InvalidInput(str(exc)) from None


def condition(query: str | Sequence[Term], tz: str | None = None,
              mailbox_ids: list[int] | None = None, *,
              driven: bool = False) -> sa.ColumnElement[bool]:
    """Messages matching every term (of a query text, or given); all of them for none.
    `mailbox_ids`: the search covers only these (the caller still scopes by them);
    `driven`: a search_index.Driver already matches the positive words."""
    parsed = terms(query)
    zone = _zone(tz)
    # Words: one lookup in the full-text index.
    indexed = search_index.condition(parsed, mailbox_ids, driven=driven)
    rest = (_one(t, zone) for t in parsed if t.field not in search_index.WORD_FIELDS)
    return sa.and_(sa.true(), *([indexed] if indexed is not None else []), *rest)


def _zone(tz: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(tz or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"Unknown time zone {tz!r}.") from None


def _one(term: Term, zone: ZoneInfo) -> sa.ColumnElement[bool]:
    clause: sa.ColumnElement[bool]
    if term.field == "is":
        clause = Message.seen.is_(term.value in ("read", "seen"))
    elif term.field == "has":
        clause = Message.has_attachments.is_(True)
    elif term.field == "tag":
        clause = Message.tag == term.value.lower()
    else:  # after: from the start of that day; before: up to the start of that day.
        start = datetime.combine(term.day, time(0), zone)
        clause = (Message.received_at >= start if term.field == "after"
                  else Message.received_at < start)
    return sa.not_(clause) if term.negated else clause


@dataclass(frozen=True)
class Found:
    """A page of search results: summaries with their mailbox's address, newest first."""

    items: Sequence[Any]  # rows of SUMMARY's columns and `address`
    next_cursor: int | None  # public id of the last item when more follow


def find(principal: Principal, query: str, *, mailbox: str | None = None, limit: int = 50,
         cursor: int | None = None) -> Found:
    """Messages matching `query` in one readable mailbox, or without one in every mailbox the
    caller may read (their user's live mailboxes, those their credential opened; all live
    ones for an admin). Nobody in particular must name a mailbox (Unauthorized otherwise)."""
    parsed = terms(query)  # first: a query over the limits costs nothing more
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"limit must be between 1 and {MAX_PAGE}.")
    ids: list[int] | None
    if mailbox is not None:
        ids = [mailbox_reads.readable_id(mailbox, principal)]
    elif principal.user_id is None and not principal.mailbox_ids and not principal.is_admin:
        raise Unauthorized("Search across mailboxes needs an API key; or name one: mailbox=.")
    else:  # every live mailbox for an admin: scoped in SQL only
        ids = None if principal.is_admin else list(db.session.execute(
            _searched(principal)).scalars())
    scope = Message.mailbox_id.in_(ids if ids is not None else _searched(principal))
    driver = search_index.driver(parsed, ids)
    statement = sa.select(*SUMMARY, Mailbox.address)
    newest: sa.ColumnElement[int] = Message.__table__.c.id
    if driver is not None:
        statement = (statement.select_from(driver.table)
                     .join(Message, Message.id == driver.rowid).where(driver.match))
        newest = driver.rowid
    statement = (statement.join(Mailbox, Mailbox.id == Message.mailbox_id)
                 .where(scope, condition(parsed, mailbox_ids=ids, driven=driver is not None))
                 .order_by(newest.desc()).limit(limit + 1))
    if cursor is not None:
        statement = statement.where(newest < _cursor_row(scope, cursor))
    rows = list(db.session.execute(statement).all())
    more = len(rows) > limit
    rows = rows[:limit]
    return Found(rows, rows[-1].public_id if more and rows else None)


def _searched(principal: Principal) -> sa.Select[Any]:
    return sa.select(Mailbox.id).where(visibility.visible_clause(principal))


def _cursor_row(scope: sa.ColumnElement[bool], cursor: int) -> int:
    found = None
    if 0 < cursor < MAX_PUBLIC_ID:
        found = db.session.execute(sa.select(Message.id).where(
            scope, Message.public_id == cursor)).scalar_one_or_none()
    if found is None:
        raise InvalidInput("Unknown cursor.")
    return int(found)
