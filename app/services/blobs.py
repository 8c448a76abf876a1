"""Large stored bytes (attachments, raw sources) read in chunks, never whole in memory.

Each chunk is one `substr` query, which SQLite (on BLOB) and PostgreSQL (on bytea) both
answer by byte position, so a 10 MB attachment costs a web worker one chunk of memory.
"""

from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute

from app.extensions import db
from app.models import Attachment, Message

CHUNK = 256 * 1024


def attachment_chunks(attachment: Attachment) -> Iterator[bytes]:
    return _chunks(Attachment.data, Attachment.id, attachment.id, attachment.size)


def raw_chunks(message: Message) -> Iterator[bytes]:
    return _chunks(Message.raw, Message.id, message.id, message.size)


def _chunks(column: InstrumentedAttribute[bytes], key: InstrumentedAttribute[int], row_id: int,
            size: int) -> Iterator[bytes]:
    for start in range(0, size, CHUNK):
        yield bytes(db.session.execute(
            sa.select(sa.func.substr(column, start + 1, CHUNK)).where(key == row_id)
        ).scalar_one())
