"""Large stored bytes (attachments, raw sources) read in chunks, never whole in memory.

Each chunk is one `substr` query, which SQLite (on BLOB) and PostgreSQL (on bytea) both
answer by byte position, so a 10 MB attachment costs a web worker one chunk of memory.
The bytes are in `blobs` (shared by the copies of one delivered message); each chunk is found
through the row being read, so a chunk is never read from a blob its row no longer names.
"""

from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute

from app.extensions import db
from app.models import Attachment, Blob, Message

CHUNK = 256 * 1024


def attachment_chunks(attachment: Attachment) -> Iterator[bytes]:
    return _chunks(Attachment.blob_id, Attachment.id, attachment.id, attachment.size)


def raw_chunks(message: Message) -> Iterator[bytes]:
    return _chunks(Message.blob_id, Message.id, message.id, message.size)


def _chunks(blob_id: InstrumentedAttribute[int | None], key: InstrumentedAttribute[int],
            row_id: int, size: int) -> Iterator[bytes]:
    for start in range(0, size, CHUNK):
        yield bytes(db.session.execute(
            sa.select(sa.func.substr(Blob.data, start + 1, CHUNK))
            .join_from(Blob, key.class_, blob_id == Blob.id).where(key == row_id)
        ).scalar_one())
