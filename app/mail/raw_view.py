"""A stored message's raw structure, for doors whose wire formats show it as it travelled:
header names in canonical form with every value (unfolded, still encoded), the body after
the header block, and each leaf MIME part's headers and still-encoded body (MailHog's
Content and MIME.Parts, Mailpit's headers).

Pure and defensive: anything that does not parse gives what did.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import Message

from app.mail.mime import MAX_PARTS, normalize_newlines, parse_structure

_FOLD = re.compile(r"\r?\n[ \t]+")  # a folded header line continues the value


@dataclass(frozen=True)
class Part:
    headers: dict[str, list[str]]
    body: str
    size: int


def canonical(name: str) -> str:
    """"content-type" → "Content-Type", as MIME header keys are written (Go's textproto)."""
    return "-".join(word[:1].upper() + word[1:].lower() for word in name.split("-"))


def headers(message: Message) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name, value in message.items():
        found.setdefault(canonical(name), []).append(_FOLD.sub(" ", str(value)).strip())
    return found


def parse(raw: bytes) -> Message:
    """The message's structure, parsed within the same bounds as at delivery (depth, parts,
    header lines): a read costs what those allow, whatever the sender wrote."""
    try:
        return parse_structure(raw).message
    except Exception:  # nothing parsed: no headers, no parts; the raw source is still served
        return Message()


def body(raw: bytes) -> str:
    """Everything after the header block, as sent (transfer-encoded), as text."""
    text = normalize_newlines(raw)
    _, separator, rest = text.partition(b"\n\n")
    return _text(rest if separator else b"").replace("\n", "\r\n")


def leaf_parts(message: Message) -> list[Part]:
    """Each non-multipart part of a multipart message, in order; [] for a single part."""
    if not message.is_multipart():
        return []
    parts = []
    for part in message.walk():
        if part.is_multipart():
            continue
        payload = part.get_payload(decode=False)
        text = (payload if isinstance(payload, str) else "").replace("\n", "\r\n")
        parts.append(Part(headers(part), text, len(text.encode("utf-8", "replace"))))
        if len(parts) >= MAX_PARTS:
            break
    return parts


def _text(data: bytes) -> str:
    return data.decode("utf-8", "replace")
