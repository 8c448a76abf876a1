"""Rate limits every HTTP door shares (Flask-Limiter, storage from RATELIMIT_STORAGE_URI)."""

from __future__ import annotations

import time

from flask import Flask, Response

from app.extensions import limiter

# Where abuse concentrates: creating mailboxes, accounts, and guessing passwords.
CREATE_LIMIT = "30 per minute"
# The home page makes a mailbox for a visitor who has none: generous, but not a free-for-all.
HOME_LIMIT = "120 per minute"
SIGNUP_LIMIT = "5 per hour"
LOGIN_IP_LIMIT = "20 per minute"
LOGIN_ACCOUNT_FAILURES = "5 per 15 minutes"


def register(app: Flask) -> None:
    app.after_request(_add_retry_after)


def _add_retry_after(response: Response) -> Response:
    """Every 429, whichever door rendered it, says when to come back."""
    if response.status_code == 429 and "Retry-After" not in response.headers:
        response.headers["Retry-After"] = str(retry_after())
    return response


def retry_after() -> int:
    """Seconds until the limit this request broke lets the caller in again."""
    current = limiter.current_limit
    if current is None:
        return 60
    return max(1, int(current.reset_at - time.time()))
