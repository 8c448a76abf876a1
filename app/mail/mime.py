"""Parse raw mail bytes into what the inbox shows. Never raises: bad input degrades.

Built on the stdlib parser with the compat32 policy: it parses about ten times faster
than policy.default and tolerates more broken input; the decoding policy.default would
do (RFC 2047/2231, charsets) is done here, defensively, in `headers` and `charsets`.
"""

from __future__ import annotations

import mimetypes
import re
from dataclasses import dataclass, field
from datetime import datetime
from email.message import Message as StdMessage
from email.parser import BytesParser
from email.policy import compat32

from app.mail.charsets import decode_bytes
from app.mail.headers import clean_text, decode_addresses, decode_date, decode_value
from app.mail.text import html_to_text, preview

MAX_DEPTH = 40
# The stdlib parser checks every open boundary on every line: deeply nested multiparts cost
# time quadratic in depth (1,000 levels took 14 s). Past this many boundaries, headers only.
MAX_BOUNDARIES = 100
TOO_DEEP_NOTICE = ("(This message nests too many parts to show here. Its raw source is "
                   "kept whole: download it to read it.)")
# Reads of the raw source (the MailHog and Mailpit doors) parse it again, so its cost must not
# be the sender's to choose: past these, the rest stays in the raw source only.
MAX_PARTS = 500
MAX_HEADER_LINES = 1_000
TOO_MANY_PARTS_NOTICE = ("(This message has too many parts to show here. Its raw source is "
                         "kept whole: download it to read it.)")
MAX_FILENAME = 120
_NEWLINES = re.compile(rb"\r\n|\r|\n")
_UNSAFE_FILENAME = re.compile(r"[\x00-\x1f\x7f<>:\"|?*]")


@dataclass(frozen=True)
class Address:
    name: str
    address: str


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes
    content_id: str | None = None
    inline: bool = False

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass(frozen=True)
class ParsedMessage:
    sender: Address | None
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    subject: str
    date: datetime | None
    message_id: str
    text: str
    html: str
    attachments: tuple[Attachment, ...]
    headers: tuple[tuple[str, str], ...]
    defects: tuple[str, ...] = ()
    text_from_html: bool = False  # no text part: `text` is the HTML part made readable

    @property
    def preview(self) -> str:
        return preview(self.text)


@dataclass
class _Bodies:
    text: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)


def normalize_newlines(raw: bytes) -> bytes:
    """Bare CR and bare LF become line ends, so no header hides inside another's line."""
    return _NEWLINES.sub(b"\n", raw)


@dataclass(frozen=True)
class Structure:
    """The stdlib's parse of a message, within bounds: at most MAX_HEADER_LINES header lines,
    and headers only when it nests too deep or has too many parts."""

    message: StdMessage
    limits: tuple[str, ...]  # which bound cut the parse short, if any

    @property
    def bodies_skipped(self) -> bool:
        return bool({"TooManyBoundaries", "TooManyParts"} & set(self.limits))


def parse_structure(raw: bytes) -> Structure:
    """The one way Mayfly parses raw mail, at delivery and on every read that parses again;
    its work is bounded by the caps above whatever the sender wrote. Raises what the stdlib
    parser raises."""
    normalized = normalize_newlines(raw)
    limits = []
    head, separator, body = normalized.partition(b"\n\n")
    if head.count(b"\n") >= MAX_HEADER_LINES:
        head = b"\n".join(head.split(b"\n", MAX_HEADER_LINES)[:MAX_HEADER_LINES])
        normalized = head + separator + body
        limits.append("TooManyHeaderLines")
    if normalized.lower().count(b"boundary=") > MAX_BOUNDARIES:
        limits.append("TooManyBoundaries")
    elif normalized.count(b"\n--") > 2 * MAX_PARTS:  # every part starts at a "--" line
        limits.append("TooManyParts")
    headers_only = bool({"TooManyBoundaries", "TooManyParts"} & set(limits))
    message = BytesParser(policy=compat32).parsebytes(normalized, headersonly=headers_only)
    return Structure(message, tuple(limits))


def parse(raw: bytes) -> ParsedMessage:
    """Everything the inbox shows of one message."""
    try:
        structure = parse_structure(raw)
    except Exception as exc:  # keep the raw bytes, show them as text
        text = clean_text(decode_bytes(raw, "utf-8"))
        return ParsedMessage(None, (), (), "", None, "", text, "", (), (), (repr(exc),))
    msg = structure.message
    headers = tuple((clean_text(name), decode_value(value)) for name, value in msg.raw_items())
    bodies = _Bodies(defects=[type(d).__name__ for d in msg.defects])
    bodies.defects.extend(structure.limits)
    if "TooManyBoundaries" in structure.limits:
        bodies.text.append(TOO_DEEP_NOTICE)
    elif "TooManyParts" in structure.limits:
        bodies.text.append(TOO_MANY_PARTS_NOTICE)
    else:
        _walk(msg, 0, bodies)
    html = "\n".join(bodies.html)
    text = "\n\n".join(bodies.text)
    text_from_html = not text and bool(html)
    if text_from_html:
        text = html_to_text(html)
    senders = _addresses(msg, "from")
    return ParsedMessage(
        sender=senders[0] if senders else None,
        to=_addresses(msg, "to"),
        cc=_addresses(msg, "cc"),
        subject=decode_value(_raw(msg, "subject")),
        date=decode_date(_raw(msg, "date")),
        message_id=decode_value(_raw(msg, "message-id")),
        text=text,
        html=html,
        attachments=tuple(_unique_names(bodies.attachments)),
        headers=headers,
        defects=tuple(bodies.defects),
        text_from_html=text_from_html,
    )


def _raw(msg: StdMessage, name: str) -> str:
    """The first raw value of a header, before compat32 wraps 8-bit text in Header objects."""
    for key, value in msg.raw_items():
        if key.lower() == name:
            return value
    return ""


def _addresses(msg: StdMessage, name: str) -> tuple[Address, ...]:
    values = [value for key, value in msg.raw_items() if key.lower() == name]
    return tuple(Address(n, a) for n, a in decode_addresses(values))


def _walk(part: StdMessage, depth: int, out: _Bodies) -> None:
    if depth > MAX_DEPTH:
        out.defects.append("NestingTooDeep")
        return
    ctype = _content_type(part)
    if ctype == "message/rfc822":
        out.attachments.append(_embedded_message(part))
        return
    if part.is_multipart():
        payload = part.get_payload()
        for sub in payload if isinstance(payload, list) else []:
            if isinstance(sub, StdMessage):
                _walk(sub, depth + 1, out)
        return
    disposition = _disposition(part)
    filename = _filename(part)
    if ctype in ("text/plain", "text/html") and disposition != "attachment" and not filename:
        body = clean_text(decode_bytes(_payload(part), part.get_content_charset()))
        (out.html if ctype == "text/html" else out.text).append(body)
        return
    content_id = decode_value(_raw(part, "content-id"))
    out.attachments.append(Attachment(
        filename=filename,
        content_type=ctype,
        data=_payload(part),
        content_id=content_id.strip("<>") or None,
        inline=disposition == "inline" or (disposition is None and bool(content_id)),
    ))


def _content_type(part: StdMessage) -> str:
    try:
        ctype = part.get_content_type()
    except Exception:
        return "application/octet-stream"
    return ctype if re.fullmatch(r"[a-z0-9!#$&^_.+-]+/[a-z0-9!#$&^_.+-]+", ctype) \
        else "application/octet-stream"


def _disposition(part: StdMessage) -> str | None:
    try:
        return part.get_content_disposition()
    except Exception:
        return None


def _filename(part: StdMessage) -> str:
    """The part's own name (RFC 2231 or 2047), unsanitized; '' when it has none."""
    try:
        name = part.get_filename() or part.get_param("name") or ""
    except Exception:
        return ""
    if isinstance(name, tuple):  # an RFC 2231 value compat32 did not collapse
        charset, _lang, value = name
        name = decode_bytes(value.encode("latin-1", "replace"), charset)
    return decode_value(str(name))


def _payload(part: StdMessage) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:  # a broken transfer encoding keeps its raw bytes
        data = None
    if isinstance(data, bytes):
        return data
    payload = part.get_payload()
    return payload.encode("utf-8", "surrogateescape") if isinstance(payload, str) else b""


def _embedded_message(part: StdMessage) -> Attachment:
    payload = part.get_payload()
    inner = payload[0] if isinstance(payload, list) and payload else None
    data = b""
    for render in (lambda m: m.as_bytes(), lambda m: str(m).encode("utf-8", "surrogateescape")):
        try:  # a deeply nested chain can exhaust the generator's recursion: degrade to empty
            data = render(inner) if isinstance(inner, StdMessage) else b""
            break
        except Exception:  # noqa: S112 - try the next way, or keep it empty
            continue
    subject = decode_value(_raw(inner, "subject")) if isinstance(inner, StdMessage) else ""
    name = _filename(part) or f"{subject or 'message'}.eml"
    return Attachment(filename=name, content_type="message/rfc822", data=data)


def safe_filename(name: str, content_type: str, index: int) -> str:
    """No path parts, no control characters, a sane length; a made-up name when empty."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE_FILENAME.sub("_", name).strip(" .")
    if not name:
        extension = mimetypes.guess_extension(content_type) or ".bin"
        name = f"attachment-{index}{extension}"
    if len(name) > MAX_FILENAME:
        stem, dot, ext = name.rpartition(".")
        ext = ext[:16] if dot and stem else ""
        name = name[: MAX_FILENAME - len(ext) - 1].rstrip(" .") + ("." + ext if ext else "")
    return name


def _unique_names(attachments: list[Attachment]) -> list[Attachment]:
    """Safe names, made unique within the message: 'a.txt', 'a (2).txt'."""
    taken: set[str] = set()
    result = []
    for index, att in enumerate(attachments, start=1):
        base = safe_filename(att.filename, att.content_type, index)
        name, counter = base, 1
        while name.lower() in taken:
            counter += 1
            stem, dot, ext = base.rpartition(".")
            name = f"{stem} ({counter}).{ext}" if dot and stem else f"{base} ({counter})"
        taken.add(name.lower())
        result.append(Attachment(name, att.content_type, att.data, att.content_id, att.inline))
    return result
