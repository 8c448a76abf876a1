"""The public temp-mail APIs Mayfly serves under /compat/<dialect>/, one module each.

Adding a dialect is one module with a `bp` blueprint and a `render_error(status, message)`
function, plus one line in DIALECTS. No dialect imports another.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, Response

from app.dialects import developermail, onesecmail, tempemail, tempmail_php, tempmailg
from app.extensions import csrf

DIALECTS = (onesecmail, tempmail_php, tempmailg, tempemail, developermail)


def register(app: Flask) -> None:
    for dialect in DIALECTS:
        # Token- or key-authenticated APIs, never by cookie: CSRF does not apply.
        csrf.exempt(dialect.bp)
        app.register_blueprint(dialect.bp)


def renderer_for(path: str) -> Callable[..., Response] | None:
    """The error renderer of the dialect that owns this URL space, if any."""
    for dialect in DIALECTS:
        prefix = dialect.bp.url_prefix or ""
        if path == prefix or path.startswith(prefix + "/"):
            return dialect.render_error
    return None
