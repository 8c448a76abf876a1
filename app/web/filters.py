"""Template filters and globals for the browser door."""

from __future__ import annotations

from datetime import datetime

from flask import Flask, current_app
from markupsafe import Markup

from app.mail.sanitize import linkify_text
from app.models.base import utcnow


def register(app: Flask) -> None:
    app.jinja_env.filters["filesize"] = filesize
    app.jinja_env.filters["when"] = when
    app.jinja_env.filters["number"] = lambda n: f"{n:,}"  # 12,345: thousands separated
    app.jinja_env.filters["linkify"] = linkify
    app.jinja_env.globals["poll_seconds"] = poll_seconds


def filesize(size: int) -> str:
    """1536 → '1.5 KB'."""
    value = float(size)
    for unit in ("B", "KB", "MB"):
        if value < 1024 or unit == "MB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


def when(moment: datetime | None) -> str:
    """Today's times as HH:MM, older ones with their date (UTC; app.js shows local time)."""
    if moment is None:
        return ""
    if moment.date() == utcnow().date():
        return moment.strftime("%H:%M")
    return moment.strftime("%Y-%m-%d %H:%M")


def linkify(text: str | None) -> Markup:
    """A plain-text body with its web links clickable; linkify_text escapes everything else."""
    return Markup(linkify_text(text or ""))  # noqa: S704 - escaped before links are added


def poll_seconds() -> int:
    return max(1, int(current_app.config["MAYFLY"].poll_interval.total_seconds()))
