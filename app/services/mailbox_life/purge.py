"""Deleting mailboxes with everything in them, and purging those that expired.

An expired mailbox is kept (unreadable, refusing mail at RCPT) for EXPIRED_HOLD before it is
purged: a visitor whose tab still shows the address never sees a stranger's mail arrive in
what looks like the same inbox, because nobody can receive at that address meanwhile.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

import sqlalchemy as sa

from app.extensions import db
from app.models import Attachment, Mailbox, MailboxAccount, Message
from app.services.mailbox_life import mailbox_policy

PURGE_BATCH = 500


def purge_expired(batch_size: int = PURGE_BATCH, max_batches: int | None = None,
                  grace: timedelta = timedelta(0)) -> int:
    """Delete mailboxes expired more than `grace` ago with their mail, in short batches so
    delivery never waits long."""
    purged = batches = 0
    while max_batches is None or batches < max_batches:
        ids = db.session.execute(
            sa.select(Mailbox.id).where(mailbox_policy.expired_clause(grace))
            .limit(batch_size)).scalars().all()
        if not ids:
            break
        delete_ids(list(ids))
        db.session.commit()
        purged += len(ids)
        batches += 1
    return purged


def delete_ids(ids: list[int]) -> None:
    """Delete these mailboxes and everything in them, in the caller's transaction."""
    # Explicit deletes rather than relying on ON DELETE CASCADE alone: the work is the same
    # on every engine.
    message_ids = sa.select(Message.id).where(Message.mailbox_id.in_(ids))
    db.session.execute(sa.delete(Attachment).where(Attachment.message_id.in_(message_ids)))
    db.session.execute(sa.delete(Message).where(Message.mailbox_id.in_(ids)))
    db.session.execute(sa.delete(MailboxAccount).where(MailboxAccount.mailbox_id.in_(ids)))
    db.session.execute(sa.delete(Mailbox).where(Mailbox.id.in_(ids)))


def delete_messages_where(condition: sa.ColumnElement[bool]) -> int:
    """Delete the messages matching `condition` in one transaction; each mailbox's used
    bytes go down by what it lost. Returns how many were deleted."""
    rows = db.session.execute(sa.select(Message.id, Message.mailbox_id, Message.size)
                              .where(condition)).all()
    if not rows:
        return 0
    freed: dict[int, int] = defaultdict(int)
    for _, mailbox_id, size in rows:
        freed[mailbox_id] += size
    for mailbox_id, size in freed.items():
        db.session.execute(sa.update(Mailbox).where(Mailbox.id == mailbox_id).values(
            used_bytes=sa.case((Mailbox.used_bytes > size, Mailbox.used_bytes - size),
                               else_=0)))
    ids = [row.id for row in rows]
    for chunk in range(0, len(ids), 500):
        db.session.execute(sa.delete(Message).where(Message.id.in_(ids[chunk:chunk + 500]))
                           .execution_options(synchronize_session=False))
    db.session.commit()
    return len(ids)
