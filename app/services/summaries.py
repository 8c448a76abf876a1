"""The one shape of a message summary in JSON: the native API's lists, its event streams and
the webhook payloads all send exactly this."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol


class SummaryFields(Protocol):
    public_id: int
    from_name: str
    from_addr: str
    subject: str
    received_at: datetime
    size: int
    seen: bool
    has_attachments: bool
    preview: str
    tag: str | None


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat(timespec="seconds")


def message_summary(message: SummaryFields) -> dict[str, Any]:
    return {
        "id": message.public_id,
        "from": {"name": message.from_name, "address": message.from_addr},
        "subject": message.subject,
        "received_at": iso(message.received_at),
        "size": message.size,
        "seen": message.seen,
        "has_attachments": message.has_attachments,
        "preview": message.preview,
        "tag": message.tag,
    }
