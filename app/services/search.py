"""Search terms (app.mail.search_query) as conditions on stored messages."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute

from app.mail.search_query import QueryError, Term, parse
from app.models import Message
from app.services.errors import InvalidInput

_ANYWHERE = (Message.subject, Message.from_addr, Message.from_name, Message.envelope_from)


def terms(query: str) -> list[Term]:
    """The query's terms; InvalidInput (with the reason) for a query that means nothing."""
    try:
        return parse(query)
    except QueryError as exc:
        raise InvalidInput(str(exc)) from None


def condition(query: str | list[Term], tz: str | None = None) -> sa.ColumnElement[bool]:
    """Messages matching every term (of a query text, or given); all of them for none."""
    parsed = terms(query) if isinstance(query, str) else query
    zone = _zone(tz)
    return sa.and_(sa.true(), *(_one(term, zone) for term in parsed))


def _zone(tz: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(tz or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"Unknown time zone {tz!r}.") from None


def _contains(column: sa.ColumnElement[str] | InstrumentedAttribute[str],
              value: str) -> sa.ColumnElement[bool]:
    return column.icontains(value, autoescape=True)


def _recipients() -> sa.ColumnElement[str]:
    """The To and Cc headers' addresses and the envelope's recipients, as one text."""
    return (sa.cast(Message.to_addrs, sa.Text) + " " + sa.cast(Message.cc_addrs, sa.Text)
            + " " + sa.cast(Message.envelope_to, sa.Text))


def _one(term: Term, zone: ZoneInfo) -> sa.ColumnElement[bool]:
    clause: sa.ColumnElement[bool]
    if term.field == "from":  # the From header, or the envelope's sender
        clause = sa.or_(_contains(Message.from_addr, term.value),
                        _contains(Message.from_name, term.value),
                        _contains(Message.envelope_from, term.value))
    elif term.field == "to":
        clause = _contains(_recipients(), term.value)
    elif term.field == "subject":
        clause = _contains(Message.subject, term.value)
    elif term.field == "is":
        clause = Message.seen.is_(term.value in ("read", "seen"))
    elif term.field == "has":
        clause = Message.has_attachments.is_(True)
    elif term.field == "tag":
        clause = Message.tag == term.value.lower()
    elif term.field in ("after", "before"):
        # after: from the start of that day; before: up to the start of that day.
        start = datetime.combine(term.day, time(0), zone)
        clause = (Message.received_at >= start if term.field == "after"
                  else Message.received_at < start)
    else:
        clause = sa.or_(*(_contains(c, term.value) for c in _ANYWHERE),
                        _contains(_recipients(), term.value),
                        _contains(Message.text_body, term.value))
    return sa.not_(clause) if term.negated else clause
