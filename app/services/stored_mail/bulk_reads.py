"""Reads for doors that do not page the way the native API does: every summary at once,
the messages around an arrival time, every message with its bodies, a numbered page.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.orm import selectinload, undefer

from app.extensions import db
from app.models import Message
from app.services.access import Principal
from app.services.mailbox_life import mailbox_reads
from app.services.stored_mail.mailbox_states import mailbox_state
from app.services.stored_mail.pages import MAX_PAGE, SUMMARY, Summary


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
    mailbox_id = mailbox_reads.readable_id(address, principal, owned_only=owned_only)
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
