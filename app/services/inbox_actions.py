"""What the browser inbox does to all of one mailbox's mail at once: mark it read, delete it.

Whoever may read a mailbox may do both, as with a single message (access.can_read).
"""

from __future__ import annotations

from typing import Any, cast

import sqlalchemy as sa

from app.extensions import db
from app.models import Message
from app.services import mailboxes, purge
from app.services.access import Principal


def mark_all_read(address: str, principal: Principal) -> int:
    mailbox_id = mailboxes.readable_id(address, principal)
    changed = cast(sa.CursorResult[Any], db.session.execute(
        sa.update(Message).where(Message.mailbox_id == mailbox_id, Message.seen.is_(False))
        .values(seen=True).execution_options(synchronize_session=False)))
    db.session.commit()
    return int(changed.rowcount)


def delete_all(address: str, principal: Principal) -> int:
    return purge.delete_messages_where(Message.mailbox_id == mailboxes.readable_id(
        address, principal))
