"""Ids as callers write them: ASCII digits only, within range, or nothing at all.

`str.isdigit()` accepts "²" and other digits `int()` refuses, and `int()` accepts "+1",
" 1" and "1_000"; every door parses ids here instead, so odd input is a 4xx, never a 500.
"""

from __future__ import annotations

import re

# Public ids are below 2**53 (exact in JavaScript); row ids fit a signed 64-bit column.
MAX_PUBLIC_ID = 2**53
MAX_ROW_ID = 2**63
_DIGITS = re.compile(r"[0-9]{1,19}")


def parse_id(text: str | None, maximum: int = MAX_PUBLIC_ID) -> int | None:
    """A positive integer below `maximum`, or None for anything else."""
    if text is None or not _DIGITS.fullmatch(text):
        return None
    number = int(text)
    return number if 0 < number < maximum else None
