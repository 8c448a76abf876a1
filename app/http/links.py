"""Absolute links: every one Mayfly writes (a mail's link, an attachment's URL) starts with
PUBLIC_URL, the origin the operator configured.

Never with the request's Host or X-Forwarded-Host: a client chooses those, and a link built
from them (a password-reset mail to `http://attacker.example/…`) would hand the attacker
what it carries. Relative links (redirects, pages) stay relative.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, url_for


def public_url() -> str:
    """The configured origin, without a trailing slash: https://mail.example.com."""
    origin: str = current_app.config["MAYFLY"].public_url
    return origin


def absolute_url(endpoint: str, **values: Any) -> str:
    """url_for's path (and `_anchor`, the part after #) under PUBLIC_URL."""
    values.pop("_external", None)
    return public_url() + url_for(endpoint, _external=False, **values)
