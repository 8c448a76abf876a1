"""The rows one delivered message becomes: its bytes once (its raw source, then each
attachment's), and for each copy a message row, its attachments' rows and, when there is
anything to check, its sender-checks row. Built in memory; `_writes` inserts them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.mail import mime
from app.mail.codes import extract_codes
from app.models.base import utcnow
from app.services.context import settings
from app.services.errors import QuotaExceeded, UnknownDomain
from app.services.ingest._batch import Placed
from app.services.ingest._recipients import envelope_of
from app.services.ingest.incoming import Incoming
from app.services.secrets import new_attachment_id, new_public_id

Placement = list[Placed] | QuotaExceeded | UnknownDomain  # one message's copies, or why none


@dataclass
class Copy:
    """One mailbox's copy. Its rows name their blob by its index in `Rows.blobs` until the
    blobs have ids; the attachment and checks rows get the message's id once it has one."""

    mailbox_id: int
    message: dict[str, Any]
    attachments: list[dict[str, Any]]
    checks: dict[str, Any] | None


@dataclass
class Rows:
    blobs: list[dict[str, Any]] = field(default_factory=list)
    copies: list[Copy] = field(default_factory=list)
    ids: list[list[int]] = field(default_factory=list)  # each message's copies' public ids


def build(items: list[Incoming], parsed: list[mime.ParsedMessage],
          placements: list[Placement]) -> Rows:
    """The rows of every message placed (a refused one has none, and no ids)."""
    rows = Rows()
    now, evaluate = utcnow(), settings().auth_results  # sender checks come after commit
    for item, parse, placed in zip(items, parsed, placements, strict=True):
        rows.ids.append([] if isinstance(placed, Exception)
                        else _add(rows, item, parse, placed, now, evaluate))
    return rows


def _add(rows: Rows, item: Incoming, parse: mime.ParsedMessage, placed: list[Placed],
         now: datetime, evaluate: bool) -> list[int]:
    shared = _message_fields(item, parse, now)
    raw_blob = _blob(rows, item.raw)  # the bytes once, whatever the number of copies
    part_blobs = [_blob(rows, part.data) for part in parse.attachments]
    ids = []
    for address, tag, mailbox_id in placed:
        message = {**shared, "public_id": new_public_id(), "mailbox_id": mailbox_id,
                   "tag": tag, "envelope_to": envelope_of(item.rcpt_tos, address),
                   "blob_id": raw_blob}
        rows.copies.append(Copy(
            mailbox_id, message,
            [{**_attachment_row(part), "blob_id": blob}
             for part, blob in zip(parse.attachments, part_blobs, strict=True)],
            _checks_row(item, mailbox_id, evaluate)))
        ids.append(message["public_id"])
    return ids


def _blob(rows: Rows, data: bytes) -> int:
    rows.blobs.append({"data": data})
    return len(rows.blobs) - 1


def _message_fields(item: Incoming, parsed: mime.ParsedMessage,
                    now: datetime) -> dict[str, Any]:
    """What every copy's message row holds alike."""
    sender = parsed.sender
    # Found once, kept for every read; HTML already made into the text is not read twice.
    codes = [{"value": c.value, "context": c.context} for c in extract_codes(
        parsed.text, "" if parsed.text_from_html else parsed.html, parsed.subject)]
    return {
        "received_at": now, "envelope_from": item.mail_from[:512],
        "from_name": (sender.name if sender else "")[:512],
        "from_addr": (sender.address if sender else "")[:512],
        "to_addrs": [{"name": a.name, "address": a.address} for a in parsed.to],
        "cc_addrs": [{"name": a.name, "address": a.address} for a in parsed.cc],
        "subject": parsed.subject, "sent_at": parsed.date, "preview": parsed.preview,
        "size": len(item.raw), "seen": False,
        "has_attachments": any(not a.inline for a in parsed.attachments),
        "text_body": parsed.text, "html_body": parsed.html,
        "headers": [list(pair) for pair in parsed.headers], "codes": codes,
    }


def _attachment_row(part: mime.Attachment) -> dict[str, Any]:
    return {"public_id": new_attachment_id(), "filename": part.filename,
            "content_type": part.content_type[:255], "size": part.size,
            "content_id": (part.content_id or "")[:255] or None, "inline": part.inline}


def _checks_row(item: Incoming, mailbox_id: int, evaluate: bool) -> dict[str, Any] | None:
    """Where the copy came from and whether its checks are to come; None when there is
    nothing to keep (no connection facts, no checks)."""
    client_ip, helo = item.client_ip[:45] or None, item.helo[:255] or None
    if not (client_ip or helo or evaluate):
        return None
    return {"mailbox_id": mailbox_id, "client_ip": client_ip, "helo": helo,
            "auth_pending": evaluate}
