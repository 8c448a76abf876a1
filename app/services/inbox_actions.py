"""What the browser inbox does to all of one mailbox's mail at once: mark it read, delete it.

Whoever may read a mailbox may do both, as with a single message (access.can_read). Both
apply to the mail the page showed: `through` is the newest message row it knew (the
mailbox's version carries it), so mail that arrived since is neither hidden as read nor
deleted unseen.
"""

from __future__ import annotations

from typing import Any, cast

import sqlalchemy as sa

from app.extensions import db
from app.models import Message
from app.services import mailboxes, purge
from app.services.access import Principal


def mark_all_read(address: str, principal: Principal, *, through: int | None) -> int:
    changed = cast(sa.CursorResult[Any], db.session.execute(
        sa.update(Message).where(_shown(address, principal, through), Message.seen.is_(False))
        .values(seen=True).execution_options(synchronize_session=False)))
    db.session.commit()
    return int(changed.rowcount)


def delete_all(address: str, principal: Principal, *, through: int | None) -> int:
    return purge.delete_messages_where(_shown(address, principal, through))


def _shown(address: str, principal: Principal, through: int | None) -> sa.ColumnElement[bool]:
    """The mailbox's messages up to row `through` (all of them when None)."""
    mine = Message.mailbox_id == mailboxes.readable_id(address, principal)
    return mine if through is None else sa.and_(mine, Message.id <= through)
