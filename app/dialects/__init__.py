"""The public temp-mail APIs Mayfly serves under /compat/<dialect>/, one module each (or one
package, for a dialect that outgrew a file: mailtm).

Adding a dialect is one module with a `bp` blueprint and a `render_error(status, message)`
function, plus one line in DIALECTS. No dialect imports another; what two or more share is
in _common.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, Response

from app.dialects import (
    developermail,
    mailhog,
    mailpit,
    mailtm,
    onesecmail,
    tempemail,
    tempmail_php,
    tempmailg,
)
from app.extensions import csrf
from app.http import errors

DIALECTS = (onesecmail, tempmail_php, tempmailg, tempemail, developermail, mailhog, mailpit,
            mailtm)


def register(app: Flask) -> None:
    for dialect in DIALECTS:
        # Token- or key-authenticated APIs, never by cookie: CSRF does not apply.
        csrf.exempt(dialect.bp)
        app.register_blueprint(dialect.bp)
        errors.register_renderer(dialect.bp.url_prefix or "", _quiet(dialect.render_error))


def _quiet(render_error: Callable[..., Response]) -> Callable[[int, str], Response]:
    """Unmatched URLs, wrong methods and rate limits answer in the dialect's own words."""
    return lambda status, description: render_error(
        status, None if status in (404, 405, 429) else description)
