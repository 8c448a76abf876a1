"""Bytes to text when the declared charset may be wrong, unknown or missing."""

from __future__ import annotations

import codecs


def _known(charset: str | None) -> str | None:
    if not charset:
        return None
    try:
        return codecs.lookup(charset.strip().strip('"').lower()).name
    except (LookupError, ValueError):
        return None


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Decode with the declared charset, then UTF-8; failing both, replacement characters."""
    declared = _known(charset)
    for candidate in (declared, "utf-8"):
        if candidate:
            try:
                return data.decode(candidate)
            except (UnicodeError, LookupError):
                continue
    if declared:
        try:
            return data.decode(declared, "replace")
        except (UnicodeError, LookupError):  # codecs such as idna refuse "replace"
            pass
    return data.decode("utf-8", "replace")
