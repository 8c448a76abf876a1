"""Security headers on every response. A route may set a stricter CSP of its own."""

from __future__ import annotations

from flask import Flask, Response, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

PAGE_CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "frame-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


class SessionInterface(SecureCookieSessionInterface):
    """The session cookie is Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return request.is_secure or super().get_cookie_secure(app)


def register(app: Flask) -> None:
    app.session_interface = SessionInterface()
    proxies = app.config["MAYFLY"].proxy_count
    if proxies:
        # Behind TLS-terminating proxies: trust their X-Forwarded-For and -Proto (client IP,
        # scheme), never X-Forwarded-Host or -Port: a host is not something a request may tell
        # Mayfly. Absolute links come from PUBLIC_URL (app/http/links.py).
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies,  # type: ignore[method-assign]
                                x_host=0, x_port=0, x_prefix=0)
    app.after_request(add_security_headers)


COMMON_HEADERS = (
    ("X-Frame-Options", "DENY"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Cross-Origin-Resource-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)
# For answers that are never a page (gunicorn's own errors): nothing may load or run.
STRICT_HEADERS = (("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"),
                  *COMMON_HEADERS)


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", PAGE_CSP)
    for name, value in COMMON_HEADERS:
        headers.setdefault(name, value)
    return response
