"""Counting a user's API calls against their plan, shared by every door that takes API keys.

Before the call: refuse with RequestQuotaExhausted when the month is used up. After it:
count a 2xx answer and report X-RateLimit-Limit/Used/Remaining/Reset on every answer.
"""

from __future__ import annotations

from flask import Response, g

from app.models import User
from app.services.accounts import plans, request_counts

HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Used", "X-RateLimit-Remaining", "X-RateLimit-Reset")


def before(user: User) -> None:
    g.quota_user = user
    g.request_quota = plans.check_request(user)


def after(response: Response) -> Response:
    user = g.get("quota_user")
    if user is None:
        return response
    state = g.get("request_quota") or plans.request_quota(user)
    used = state.used
    if 200 <= response.status_code < 300:
        request_counts.record(user.id)
        used += 1
    values = (state.limit, used, max(state.limit - used, 0),
              state.reset_at.isoformat(timespec="seconds"))
    for name, value in zip(HEADERS, values, strict=True):
        response.headers[name] = str(value)
    return response
