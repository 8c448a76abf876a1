"""What the MCP tools answer, as JSON: this door's own shapes (serializers belong to doors).

Summaries are the one summary shape every door shares (app.services.summaries). A whole
message is shaped for an agent: text, the HTML as text (never the markup: the agent reads
it, nothing renders it), headers, the codes and links Mayfly found, the main link, and the
attachments' metadata. Long bodies are cut at MAX_TEXT characters and say so.
"""

from __future__ import annotations

from typing import Any

from app.mail.codes import extract_links, primary_link
from app.mail.text import html_to_text
from app.services.stored_mail import messages
from app.services.stored_mail.messages import OpenedMessage
from app.services.summaries import iso, message_summary

MAX_TEXT = 50_000  # characters of a body an answer carries
MAX_LINKS = 100
MAX_HEADERS = 200


def summary_json(row: Any, mailbox: str | None = None) -> dict[str, Any]:
    data = message_summary(row)
    if mailbox is not None:
        data["mailbox"] = mailbox
    return data


def message_json(opened: OpenedMessage) -> dict[str, Any]:
    """A whole message: bodies as text, codes, links (main link first), attachments."""
    message = opened.message
    links = extract_links(message.text_body, message.html_body)
    main = primary_link(links)
    codes = messages.codes_of(message)
    text, text_cut = _clip(message.text_body)
    html_text, html_cut = _clip(html_to_text(message.html_body) if message.html_body else "")
    return {
        **message_summary(message),
        "mailbox": opened.address,
        "to": message.to_addrs,
        "cc": message.cc_addrs,
        "date": iso(message.sent_at),
        "text": text,
        "html_as_text": html_text,
        "truncated": text_cut or html_cut,
        "headers": [{"name": name, "value": value}
                    for name, value in message.headers[:MAX_HEADERS]],
        "code": codes[0].value if codes else None,
        "codes": [{"value": c.value, "context": c.context} for c in codes],
        "main_link": main.url if main else None,
        "links": [{"url": link.url, "text": link.text} for link in links[:MAX_LINKS]],
        "attachments": [{"id": a.public_id, "filename": a.filename,
                         "content_type": a.content_type, "size": a.size,
                         "inline": a.inline, "content_id": a.content_id}
                        for a in message.attachments],
    }


def _clip(text: str) -> tuple[str, bool]:
    return (text, False) if len(text) <= MAX_TEXT else (text[:MAX_TEXT], True)
