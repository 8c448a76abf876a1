"""Browser pages on other origins calling the JSON API and the dialects (CORS, Flask-CORS).

Off unless the operator names origins in API_CORS_ORIGINS. The API and the dialects take
their credentials from headers (a bearer key, a mailbox token, Basic auth), never from a
cookie, so answers are shared without credentials: a page elsewhere can use what its own
code holds, never the visitor's Mayfly session. The browser pages themselves are not
shared.

Once origins are named, every answer under a shared URL depends on the caller's Origin (it
names that origin, or carries no CORS headers for another), so every such answer says
`Vary: Origin` (errors, 304s and preflights too): a cache between must keep one copy per
origin and never hand one origin's answer to another. Flask-CORS says so only with several
origins; this says so with one.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from flask import Flask, Response, request
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
               "max_age": 600, "vary_header": False}  # Vary: ours, on every answer
    CORS(app, resources={path: options for path in SHARED_PATHS})
    app.after_request(_vary_on_origin)


_SHARED = re.compile("|".join(f"(?:{path})" for path in SHARED_PATHS))


def _vary_on_origin(response: Response) -> Response:
    """A shared URL's answer depends on Origin, whatever it was (Flask-CORS matches the same
    unquoted path)."""
    if _SHARED.match(unquote(request.path)):
        response.vary.add("Origin")
    return response


def is_options() -> bool:
    """An OPTIONS call, such as a browser's preflight: it carries no credentials and learns only
    which methods and headers a URL takes, so the doors' key checks let it through."""
    return request.method == "OPTIONS"
