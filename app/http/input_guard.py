"""Text no store can hold is refused at the door: a NUL character in the path, the query,
a form field or a JSON string is a 400 (PostgreSQL refuses NUL in text, so it would
otherwise surface as a 500 far from where it came in)."""

from __future__ import annotations

from flask import Flask, request
from werkzeug.exceptions import BadRequest

NUL = "\x00"


def register(app: Flask) -> None:
    app.before_request(_refuse_nul)


def _refuse_nul() -> None:
    values = [request.path, *request.args.keys(), *request.args.values()]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        values += [*request.form.keys(), *request.form.values()]
    if any(NUL in value for value in values):
        raise BadRequest("The request contains a NUL character.")


def has_nul_escape(text: str | bytes) -> bool:
    """Whether JSON text spells a NUL character (\\u0000) in a string."""
    raw = text.lower() if isinstance(text, str) else text.lower().decode("latin-1")
    return "\\u0000" in raw or NUL in raw
