"""Secrets the dashboard shows exactly once (a new API key, a new webhook's signing secret).

The POST that creates one stashes it in the session and redirects (Post/Redirect/Get, so a
reload never creates a second); the next dashboard page takes it out and shows it.
"""

from __future__ import annotations

from flask import session

KEY = "shown_once"


def stash(kind: str, value: str) -> None:
    session[KEY] = {"kind": kind, "value": value}


def take() -> dict[str, str]:
    """{"kind", "value"} of what waits to be shown, or {}; gone once taken."""
    found: dict[str, str] = session.pop(KEY, None) or {}
    return found
