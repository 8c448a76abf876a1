"""The browser door: HTML pages and htmx fragments over the service layer."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("web", __name__)


def register(app: Flask) -> None:
    """Register the browser blueprint and its template helpers."""
    from app.web import (  # noqa: F401 - routes
        account,
        admin,
        auth,
        errors,
        filters,
        inbox,
        messages,
        search,
    )

    filters.register(app)
    app.register_blueprint(bp)
