"""Rate limits every HTTP door shares (Flask-Limiter, storage from RATELIMIT_STORAGE_URI).

With several web processes the storage must be shared (Redis) for a limit to mean what it
says; `scripts/serve` starts a private Redis for that, and gunicorn refuses to start more
than one worker on memory:// (see app/run/gunicorn_config.py).
"""

from __future__ import annotations

import time

from flask import Flask, Response, g
from flask_limiter.util import get_remote_address
from limits import parse
from werkzeug.exceptions import TooManyRequests

from app.extensions import limiter

# Where abuse concentrates: creating mailboxes, accounts, and guessing passwords.
CREATE_LIMIT = "30 per minute"
# The home page makes a mailbox for a visitor who has none: generous, but not a free-for-all.
HOME_LIMIT = "120 per minute"
# The inbox poll: every open tab asks every few seconds, so far above the default; but not
# unlimited, so pollers cannot take a worker's time from everyone else.
POLL_LIMIT = "1200 per minute"
SIGNUP_LIMIT = "5 per hour"
RESET_LIMIT = "5 per hour"  # password-reset mails asked for, per IP
LOGIN_IP_LIMIT = "20 per minute"
# Password attempts on one account: from one source, and (a looser backstop) from anywhere.
# Counted before the password is checked, so parallel guesses cannot overrun the limit; a
# stranger elsewhere exhausts only their own share and cannot lock the owner out.
LOGIN_ACCOUNT_SOURCE = parse("5 per 15 minutes")
LOGIN_ACCOUNT_ANYWHERE = parse("100 per hour")


def register(app: Flask) -> None:
    app.after_request(_add_retry_after)


def charge_password_attempt(door: str, account: str) -> None:
    """Count one password attempt on `account` before checking it; 429 when over a limit."""
    account = account.strip().lower()[:320]
    keys = ((LOGIN_ACCOUNT_SOURCE, f"pw:{door}:{account}:{get_remote_address()}"),
            (LOGIN_ACCOUNT_ANYWHERE, f"pw:{door}:{account}"))
    for item, key in keys:
        if not limiter.limiter.hit(item, key):
            reset_at = limiter.limiter.get_window_stats(item, key).reset_time
            g.retry_after = max(1, int(reset_at - time.time()))
            raise TooManyRequests("Too many sign-in attempts for this account; "
                                  f"try again in {in_words(g.retry_after)}.")


def forget_password_attempts(door: str, account: str) -> None:
    """After a right password: this source's count for the account starts again."""
    account = account.strip().lower()[:320]
    limiter.limiter.clear(LOGIN_ACCOUNT_SOURCE, f"pw:{door}:{account}:{get_remote_address()}")


def _add_retry_after(response: Response) -> Response:
    """Every 429, whichever door rendered it, says when to come back."""
    if response.status_code == 429 and "Retry-After" not in response.headers:
        response.headers["Retry-After"] = str(retry_after())
    return response


def retry_after() -> int:
    """Seconds until the limit this request broke lets the caller in again."""
    if g.get("retry_after"):
        return int(g.retry_after)
    current = limiter.current_limit
    if current is None:
        return 60
    return max(1, int(current.reset_at - time.time()))


def in_words(seconds: int) -> str:
    """"14 minutes", "40 seconds": how long to wait, for people."""
    if seconds < 90:
        return f"{seconds} second{'' if seconds == 1 else 's'}"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} minutes"
    return f"{round(seconds / 3600)} hours"
