"""Text no store can hold is refused at the door: a NUL character in the path, the query,
a form field or a JSON string is a 400 (PostgreSQL refuses NUL in text, so it would
otherwise surface as a 500 far from where it came in).

A body the client framed wrongly is a 400 too, wherever it is read: gunicorn decodes a
chunked body only as the app reads it, and raises its own parse errors (a chunk size that
is not hex, a chunk without its CRLF, a bad extension or trailer, the connection ending
mid-body) from inside `request.get_json()` or the form parser. Every request's
`wsgi.input` is wrapped once, here, so those errors reach the app as werkzeug's BadRequest
and each door answers its own 400, never a 500.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, request
from gunicorn.http.errors import NoMoreData, ParseException
from werkzeug.exceptions import BadRequest

NUL = "\x00"
# What gunicorn raises while reading a body the client framed wrongly.
MALFORMED_BODY = (ParseException, NoMoreData)
WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def register(app: Flask) -> None:
    app.wsgi_app = _guard_input(app.wsgi_app)  # type: ignore[method-assign]
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


def _guard_input(wsgi_app: WSGIApp) -> WSGIApp:
    def guarded(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        stream = environ.get("wsgi.input")
        if stream is not None:
            environ["wsgi.input"] = GuardedInput(stream)
        return wsgi_app(environ, start_response)

    return guarded


@contextmanager
def _framing_is_bad_request() -> Iterator[None]:
    try:
        yield
    except MALFORMED_BODY:
        raise BadRequest("The request body is malformed.") from None


class GuardedInput:
    """A request body stream whose framing errors are BadRequest."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def read(self, *args: Any) -> bytes:
        with _framing_is_bad_request():
            data: bytes = self._stream.read(*args)
            return data

    def readline(self, *args: Any) -> bytes:
        with _framing_is_bad_request():
            line: bytes = self._stream.readline(*args)
            return line

    def readlines(self, *args: Any) -> list[bytes]:
        with _framing_is_bad_request():
            lines: list[bytes] = self._stream.readlines(*args)
            return lines

    def __iter__(self) -> GuardedInput:
        return self

    def __next__(self) -> bytes:
        with _framing_is_bad_request():
            line: bytes = next(self._stream)
            return line

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)
