"""Calls made with an API key count against the user's plan; every answer says how much."""

from __future__ import annotations

from flask import Response

from app.api import bp
from app.api.auth import current_principal, current_user
from app.http import quota_headers


@bp.before_request
def _check_quota() -> None:
    current_principal()  # a bad credential is 401 before anything else happens
    user = current_user()
    if user is not None:
        quota_headers.before(user)


@bp.after_request
def _count_and_report(response: Response) -> Response:
    return quota_headers.after(response)
