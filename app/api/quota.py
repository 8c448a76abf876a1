"""Calls made with an API key count against the user's plan; every answer says how much.

Only 2xx answers count. X-RateLimit-Used includes the current request when it succeeds.
"""

from __future__ import annotations

from flask import Response, g

from app.api import bp
from app.api.auth import current_principal, current_user
from app.services import quota

HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Used", "X-RateLimit-Remaining", "X-RateLimit-Reset")


@bp.before_request
def _check_quota() -> None:
    current_principal()  # a bad credential is 401 before anything else happens
    user = current_user()
    if user is not None:
        g.request_quota = quota.check_request(user)


@bp.after_request
def _count_and_report(response: Response) -> Response:
    user = g.get("api_user")
    if user is None:
        return response
    state = g.get("request_quota") or quota.request_quota(user)
    used = state.used
    if 200 <= response.status_code < 300:
        quota.record_request(user)
        used += 1
    add_headers(response, state.limit, used, state.reset_at.isoformat(timespec="seconds"))
    return response


def add_headers(response: Response, limit: int, used: int, reset: str) -> None:
    values = (limit, used, max(limit - used, 0), reset)
    for name, value in zip(HEADERS, values, strict=True):
        response.headers[name] = str(value)
