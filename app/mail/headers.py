"""Header decoding that never raises: RFC 2047 words, raw UTF-8, lying charsets."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.header import decode_header
from email.utils import getaddresses, parsedate_to_datetime

from app.mail.charsets import decode_bytes

_FOLD = re.compile(r"\r?\n(?=[ \t])")
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def clean_text(text: str) -> str:
    """No NUL (PostgreSQL refuses it in text) and no lone surrogates (they cannot be encoded)."""
    if "\x00" in text:
        text = text.replace("\x00", "")
    return text.encode("utf-8", "replace").decode("utf-8")


def unfold(value: str) -> str:
    """One logical line; raw 8-bit bytes (SMTPUTF8) read as UTF-8."""
    value = _FOLD.sub("", value)
    if any("\udc80" <= ch <= "\udcff" for ch in value):
        # The parser keeps 8-bit header bytes as surrogate escapes.
        value = decode_bytes(value.encode("ascii", "surrogateescape"), "utf-8")
    return value


def decode_value(value: str) -> str:
    """A header value as a person reads it: unfolded, RFC 2047 decoded, no control characters."""
    value = unfold(value)
    if "=?" in value:
        try:
            chunks = decode_header(value)
        except Exception:  # a broken encoded word degrades to the raw text
            chunks = [(value, None)]
        value = "".join(
            chunk if isinstance(chunk, str) else decode_bytes(chunk, charset)
            for chunk, charset in chunks)
    value = clean_text(value)  # NUL goes first, so it leaves no gap
    return _CONTROL.sub(" ", value.replace("\t", " ")).strip()


def decode_addresses(values: list[str]) -> list[tuple[str, str]]:
    """(display name, address) pairs; names decoded after splitting, so commas in them hold."""
    try:
        pairs = getaddresses([unfold(v) for v in values])
    except Exception:  # the stdlib address parser has raised on hostile input
        return []
    return [(decode_value(name), decode_value(addr)) for name, addr in pairs
            if name.strip() or addr.strip()]


def decode_date(value: str | None) -> datetime | None:
    """The Date header as aware UTC, or None when it is missing or nonsense."""
    if not value:
        return None
    try:
        moment = parsedate_to_datetime(unfold(value))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except (OverflowError, ValueError):
        return None
