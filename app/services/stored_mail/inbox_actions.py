"""What the browser inbox does to all of one mailbox's mail at once: mark it read, delete it.

Whoever may read a mailbox may do both, as with a single message (mailbox_life.visibility). Both
apply to the mail the page showed: `through` is the public id of the newest message it
showed, so mail that arrived since is neither hidden as read nor deleted unseen.
"""

from __future__ import annotations

from typing import Any, cast

import sqlalchemy as sa

from app.extensions import db
from app.models import Message
from app.services.access import Principal
from app.services.errors import InvalidInput
from app.services.mailbox_life import mailbox_reads, purge


def mark_all_read(address: str, principal: Principal, *, through: int | None) -> int:
    changed = cast(sa.CursorResult[Any], db.session.execute(
        sa.update(Message).where(_shown(address, principal, through), Message.seen.is_(False))
        .values(seen=True).execution_options(synchronize_session=False)))
    db.session.commit()
    return int(changed.rowcount)


def delete_all(address: str, principal: Principal, *, through: int | None) -> int:
    return purge.delete_messages_where(_shown(address, principal, through))


def _shown(address: str, principal: Principal, through: int | None) -> sa.ColumnElement[bool]:
    """The mailbox's messages up to message `through` (all of them when None); InvalidInput
    when that message is no longer there (the list changed since the page was drawn)."""
    mailbox_id = mailbox_reads.readable_id(address, principal)
    mine = Message.mailbox_id == mailbox_id
    if through is None:
        return mine
    row = db.session.execute(sa.select(Message.id).where(
        mine, Message.public_id == through)).scalar_one_or_none()
    if row is None:
        raise InvalidInput("The list changed since this page was drawn; reload it and try again.")
    return sa.and_(mine, Message.id <= row)
