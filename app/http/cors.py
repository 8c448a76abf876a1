"""Browser pages on other origins calling the JSON API and the dialects (CORS, Flask-CORS).

Off unless the operator names origins in API_CORS_ORIGINS. The API and the dialects take
their credentials from headers (a bearer key, a mailbox token, Basic auth), never from a
cookie, so answers are shared without credentials: a page elsewhere can use what its own
code holds, never the visitor's Mayfly session. The browser pages themselves are not
shared.
"""

from __future__ import annotations

from flask import Flask, request
from flask_cors import CORS

# Every URL of the native API and of the dialects.
SHARED_PATHS = (r"/api/.*", r"/compat/.*")
# What callers send: credentials, JSON bodies, conditional reads, a stream's resume point.
ALLOWED_HEADERS = ["Authorization", "Content-Type", "X-MailboxToken", "If-None-Match",
                   "Last-Event-ID", "Accept"]
# What a caller's code may read beyond the CORS-safelisted headers.
EXPOSED_HEADERS = ["ETag", "Location", "Retry-After", "X-RateLimit-Limit", "X-RateLimit-Used",
                   "X-RateLimit-Remaining", "X-RateLimit-Reset"]


def register(app: Flask) -> None:
    origins = app.config["MAYFLY"].api_cors_origins
    if not origins:
        return
    options = {"origins": list(origins), "supports_credentials": False,
               "allow_headers": ALLOWED_HEADERS, "expose_headers": EXPOSED_HEADERS,
               "methods": ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
               "max_age": 600, "vary_header": True}
    CORS(app, resources={path: options for path in SHARED_PATHS})


def is_options() -> bool:
    """An OPTIONS call, such as a browser's preflight: it carries no credentials and learns only
    which methods and headers a URL takes, so the doors' key checks let it through."""
    return request.method == "OPTIONS"
