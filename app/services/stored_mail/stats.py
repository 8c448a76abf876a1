"""Store-wide figures, for doors that publish them (tempmail-php's /stats)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from app.extensions import db
from app.models import Mailbox, Message


@dataclass(frozen=True)
class Stats:
    messages: int
    mailboxes: int
    received: int  # ever stored: the highest message row id, which never goes down


def current() -> Stats:
    messages, received = db.session.execute(
        sa.select(sa.func.count(Message.id), sa.func.coalesce(sa.func.max(Message.id), 0))).one()
    mailboxes = db.session.execute(sa.select(sa.func.count(Mailbox.id))).scalar_one()
    return Stats(messages=messages, mailboxes=mailboxes, received=received)
