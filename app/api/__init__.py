"""The native JSON API door, /api/v1. The reference for new code: see openapi.json."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from app.api import (  # noqa: E402,F401 - routes
    domains,
    errors,
    faults,
    mailboxes,
    messages,
    openapi,
    quota,
    search,
)
