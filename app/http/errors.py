"""App-wide errors for URLs no blueprint owns, and 500s: each door's own shape, no tracebacks.

Each API door registers the renderer for its URL space (`register_renderer`), so a wrong
URL or method under it answers in that door's envelope; everything else gets the site's
error pages.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Flask, Response, make_response, render_template, request
from redis.exceptions import ConnectionError as RedisUnreachable
from redis.exceptions import TimeoutError as RedisTimeout
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from app.extensions import db
from app.http import limits

log = logging.getLogger(__name__)

_PAGES = {404: "errors/404.html", 429: "errors/429.html"}
# (URL prefix, renderer(status, description)); the longest matching prefix wins.
Renderer = Callable[[int, str], Response]
_RENDERERS: dict[str, Renderer] = {}


def register_renderer(prefix: str, renderer: Renderer) -> None:
    """Errors under `prefix` (and the prefix itself) answer through `renderer`."""
    _RENDERERS[prefix.rstrip("/")] = renderer


def renderer_for(path: str) -> Renderer | None:
    matches = [p for p in _RENDERERS if path == p or path.startswith(p + "/")]
    return _RENDERERS[max(matches, key=len)] if matches else None


def register(app: Flask) -> None:
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(RedisUnreachable, _limits_unreachable)
    app.register_error_handler(RedisTimeout, _limits_unreachable)
    app.register_error_handler(Exception, _unexpected)


def _http_error(exc: HTTPException) -> Response | tuple[str, int]:
    return _render(exc.code or 500, exc.description or "")


def _limits_unreachable(exc: Exception) -> Response:
    """The shared store of limits and quotas (Redis) is away: no request is let through
    uncounted, and the caller hears it is passing (503, try again), not that Mayfly broke."""
    log.error("the rate-limit store is unreachable: %s", exc)
    db.session.rollback()
    response = make_response(_render(503, ServiceUnavailable.description))
    response.headers["Retry-After"] = "5"
    return response


def _unexpected(exc: Exception) -> Response | tuple[str, int]:
    log.exception("unhandled error on %s %s", request.method, request.path)
    db.session.rollback()
    return _render(500, InternalServerError.description)


def _render(status: int, description: str) -> Response | tuple[str, int]:
    renderer = renderer_for(request.path)
    if renderer is not None:
        # Unmatched URLs and wrong methods get the door's own envelope and words.
        return renderer(status, description)
    template = _PAGES.get(status, "errors/error.html")
    extra = {"retry_words": limits.in_words(limits.retry_after())} if status == 429 else {}
    return render_template(template, status=status, description=description, **extra), status
