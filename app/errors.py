"""App-wide errors for URLs no blueprint owns, and 500s: each door's own shape, no tracebacks."""

from __future__ import annotations

import logging

from flask import Flask, Response, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

from app import dialects, limits
from app.api.errors import render_error as render_api_error
from app.extensions import db

log = logging.getLogger(__name__)

_PAGES = {404: "errors/404.html", 429: "errors/429.html"}


def register(app: Flask) -> None:
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)


def _http_error(exc: HTTPException) -> Response | tuple[str, int]:
    return _render(exc.code or 500, exc.description or "")


def _unexpected(exc: Exception) -> Response | tuple[str, int]:
    log.exception("unhandled error on %s %s", request.method, request.path)
    db.session.rollback()
    return _render(500, InternalServerError.description)


def _render(status: int, description: str) -> Response | tuple[str, int]:
    if request.path.startswith("/api/"):
        return render_api_error(status, description)
    dialect_renderer = dialects.renderer_for(request.path)
    if dialect_renderer is not None:
        # Unmatched URLs and wrong methods get the dialect's own envelope and words.
        return dialect_renderer(status, None if status in (404, 405, 429) else description)
    template = _PAGES.get(status, "errors/error.html")
    extra = {"retry_words": limits.in_words(limits.retry_after())} if status == 429 else {}
    return render_template(template, status=status, description=description, **extra), status
