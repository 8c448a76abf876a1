"""Work done, counted rather than timed: the number of function calls (Python and built-in) a
piece of code makes. The count is the same on an idle laptop and on a CPU-starved CI runner,
so a bound on it tells a linear parse from a quadratic one without depending on the clock."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
_CALLS = frozenset({"call", "c_call"})

# A parse may make a fixed number of calls plus a few per byte of input. Measured on the hostile
# corpus (CPython 3.11), the closest any case comes is under half of this (nested-50: 46,519
# calls for 2.7 KB); the quadratic boundary scan mime.MAX_BOUNDARIES guards against makes
# 1.5 M calls for 600 nested multiparts, 2.5 times this budget for their 33 KB.
PARSE_BASE_CALLS = 60_000
PARSE_CALLS_PER_BYTE = 16


def parse_budget(raw: bytes) -> int:
    return PARSE_BASE_CALLS + PARSE_CALLS_PER_BYTE * len(raw)


def count_calls(function: Callable[..., T], *args: Any) -> tuple[T, int]:
    """function(*args) and the number of calls it made, in this thread."""
    calls = 0

    def profile(_frame: Any, event: str, _arg: Any) -> None:
        nonlocal calls
        if event in _CALLS:
            calls += 1

    previous = sys.getprofile()
    sys.setprofile(profile)
    try:
        result = function(*args)
    finally:
        sys.setprofile(previous)
    return result, calls
