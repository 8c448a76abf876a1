"""Models to JSON, for this API only (dialects shape their own; the summary shape is
shared with streams and webhooks: app.services.summaries)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from flask import url_for

from app.mail.codes import extract_links, primary_link
from app.models import Attachment, Message
from app.services.stored_mail import messages
from app.services.summaries import iso, message_summary


class MailboxFields(Protocol):
    address: str
    protected: bool
    created_at: datetime
    expires_at: datetime | None
    used_bytes: int


def mailbox_json(mailbox: MailboxFields, *, unread: int | None = None) -> dict[str, Any]:
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


def message_full(message: Message, address: str) -> dict[str, Any]:
    links = extract_links(message.text_body, message.html_body)
    main = primary_link(links)
    return {
        **message_summary(message),
        "mailbox": address,
        "envelope": {"from": message.envelope_from, "to": message.envelope_to},
        "to": message.to_addrs,
        "cc": message.cc_addrs,
        "date": iso(message.sent_at),
        "text": message.text_body,
        "html": message.html_body,
        "headers": message.headers,
        "attachments": [attachment_json(message, a) for a in message.attachments],
        "codes": [{"value": c.value, "context": c.context}
                  for c in messages.codes_of(message)],
        "links": [{"url": link.url, "text": link.text} for link in links],
        "main_link": None if main is None else {"url": main.url, "text": main.text},
        "authentication": authentication_json(message),
        "raw_url": url_for("api.message_raw", message_id=message.public_id),
    }


def authentication_json(message: Message) -> dict[str, Any]:
    """status "done" with the verdicts, "pending" until they come, "off" when never."""
    status = "pending" if message.auth_pending else "done" if message.auth else "off"
    verdicts = message.auth if status == "done" else {}
    return {"status": status, "spf": verdicts.get("spf"), "dkim": verdicts.get("dkim", []),
            "dmarc": verdicts.get("dmarc"), "arc": verdicts.get("arc"),
            "header": verdicts.get("header")}
