"""A batch's rows into the store, and what the batch tells others, all in the delivering
transaction: Core multi-row inserts (no ORM objects on the path to the 250), the mailboxes'
used bytes counted in SQL, webhook deliveries queued and waiting readers woken at commit."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

import sqlalchemy as sa

from app.extensions import db
from app.models import Attachment, Blob, Mailbox, Message, MessageChecks
from app.services.ingest._batch import Batch
from app.services.ingest._rows import Copy, Rows
from app.services.outgoing import webhooks
from app.services.runtime import changes
from app.services.summaries import message_summary

MAILBOXES = cast(sa.Table, Mailbox.__table__)
MESSAGES = cast(sa.Table, Message.__table__)
ATTACHMENTS = cast(sa.Table, Attachment.__table__)
BLOBS = cast(sa.Table, Blob.__table__)
CHECKS = cast(sa.Table, MessageChecks.__table__)

_ADD_USED = sa.update(MAILBOXES).where(MAILBOXES.c.id == sa.bindparam("_id")).values(
    used_bytes=MAILBOXES.c.used_bytes + sa.bindparam("size"))


def insert(rows: Rows) -> None:
    """Blobs, then messages, then their attachments and sender checks: one multi-row INSERT
    each."""
    # Ids come back in the rows' order. Each copy's row adds one to its blob's reference
    # count (trigger, migration 0016).
    blob_ids = db.session.execute(sa.insert(BLOBS).returning(
        BLOBS.c.id, sort_by_parameter_order=True), rows.blobs).scalars().all()
    # In mailbox order: each row's trigger counts it on its mailbox's row (migrations 0013,
    # 0017), so concurrent batches take those row locks in one order and never deadlock.
    copies = sorted(rows.copies, key=lambda copy: copy.mailbox_id)
    # Row ids are matched back by public id.
    ids: dict[int, int] = dict(db.session.execute(
        sa.insert(MESSAGES).returning(MESSAGES.c.public_id, MESSAGES.c.id),
        [{**c.message, "blob_id": blob_ids[c.message["blob_id"]]} for c in copies]).all())
    attachments = [{**a, "message_id": ids[c.message["public_id"]],
                    "blob_id": blob_ids[a["blob_id"]]} for c in copies for a in c.attachments]
    if attachments:
        db.session.execute(sa.insert(ATTACHMENTS), attachments)
    checks = [{**c.checks, "message_id": ids[c.message["public_id"]]}
              for c in copies if c.checks is not None]
    if checks:
        db.session.execute(sa.insert(CHECKS), checks)


def charge(added: dict[int, int]) -> None:
    """The bytes each mailbox took, counted in SQL so concurrent deliveries to one mailbox
    do not lose an update."""
    db.session.execute(_ADD_USED, [{"_id": mailbox_id, "size": size}
                                   for mailbox_id, size in added.items()])


def notify(rows: Rows, batch: Batch) -> None:
    """Webhook deliveries join the transaction (a 250 always has its deliveries); readers
    waiting on the mailboxes hear of the mail once it commits."""
    webhooks.enqueue([(owner_id, copy.mailbox_id, _event(copy, batch)) for copy in rows.copies
                      if (owner_id := batch.owner[copy.mailbox_id]) is not None])
    changes.notify_in_transaction(batch.added)


def _event(copy: Copy, batch: Batch) -> dict[str, Any]:
    return {"event": "message.received", "mailbox": batch.address_of(copy.mailbox_id),
            "message": message_summary(SimpleNamespace(**copy.message))}
