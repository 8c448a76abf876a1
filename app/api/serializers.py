"""Models to JSON, for this API only (dialects shape their own)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import url_for

from app.mail.codes import extract_codes, extract_links
from app.models import Attachment, Mailbox, Message


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat(timespec="seconds")


def mailbox_json(mailbox: Mailbox, *, unread: int | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "address": mailbox.address,
        "protected": mailbox.protected,
        "created_at": iso(mailbox.created_at),
        "expires_at": iso(mailbox.expires_at),
        "used_bytes": mailbox.used_bytes,
    }
    if unread is not None:
        data["unread"] = unread
    return data


def _address(name: str, address: str) -> dict[str, str]:
    return {"name": name, "address": address}


def message_summary(message: Message) -> dict[str, Any]:
    return {
        "id": message.public_id,
        "from": _address(message.from_name, message.from_addr),
        "subject": message.subject,
        "received_at": iso(message.received_at),
        "size": message.size,
        "seen": message.seen,
        "has_attachments": message.has_attachments,
        "preview": message.preview,
    }


def attachment_json(message: Message, attachment: Attachment) -> dict[str, Any]:
    return {
        "id": attachment.public_id,
        "filename": attachment.filename,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "content_id": attachment.content_id,
        "inline": attachment.inline,
        "url": url_for("api.attachment_download", message_id=message.public_id,
                       attachment_id=attachment.public_id),
    }


def message_full(message: Message, mailbox: Mailbox) -> dict[str, Any]:
    return {
        **message_summary(message),
        "mailbox": mailbox.address,
        "envelope": {"from": message.envelope_from, "to": message.envelope_to},
        "to": message.to_addrs,
        "cc": message.cc_addrs,
        "date": iso(message.sent_at),
        "text": message.text_body,
        "html": message.html_body,
        "headers": message.headers,
        "attachments": [attachment_json(message, a) for a in message.attachments],
        "codes": [{"value": c.value, "context": c.context}
                  for c in extract_codes(message.text_body, message.html_body)],
        "links": [{"url": link.url, "text": link.text}
                  for link in extract_links(message.text_body, message.html_body)],
        "raw_url": url_for("api.message_raw", message_id=message.public_id),
    }
