"""Pages of a mailbox's message summaries: newest first, continued by cursor, narrowed by
`since` and filters, one statement a page. Lists are the hot path: rows, no ORM objects.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from app.extensions import db
from app.models import Message
from app.services.access import Principal
from app.services.errors import InvalidInput
from app.services.ids import MAX_PUBLIC_ID
from app.services.mailbox_life import mailbox_reads
from app.services.stored_mail.message_filters import EVERYTHING, Filters
from app.services.summaries import SummaryFields

MAX_PAGE = 100

# What a list shows of each message: plain rows, no ORM objects (lists are the hot path).
SUMMARY = (Message.public_id, Message.from_name, Message.from_addr, Message.subject,
           Message.received_at, Message.size, Message.seen, Message.has_attachments,
           Message.preview, Message.tag)


# What a page's rows carry: the fields of the one summary shape.
Summary = SummaryFields


@dataclass(frozen=True)
class Page:
    items: Sequence[Summary]
    next_cursor: int | None  # public id of the last item when more follow


EMPTY = Page([], None)


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
    return page(mailbox_reads.readable_id(address, principal), limit=limit, cursor=cursor,
                since=since, filters=filters)
