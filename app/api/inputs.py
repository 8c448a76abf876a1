"""Reading and checking what a caller sent, with errors that say what is wrong."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app, request
from werkzeug.exceptions import BadRequest

from app.services.errors import InvalidInput


def json_object(*, optional: bool = False) -> dict[str, Any]:
    """The body as a JSON object; an empty body is {} when optional."""
    data = request.get_data(cache=True)
    if not data.strip() and optional:
        return {}
    try:
        body = current_app.json.loads(data)
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("The body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise BadRequest("The body must be a JSON object.")
    return body


def optional_str(body: dict[str, Any], key: str) -> str | None:
    value = body.get(key)
    if value is not None and not isinstance(value, str):
        raise InvalidInput(f"'{key}' must be a string.")
    return value


def optional_seconds(body: dict[str, Any], key: str, low: int, high: int) -> timedelta | None:
    """A whole number of seconds within [low, high], or None when absent."""
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidInput(f"'{key}' must be a whole number of seconds from {low} to {high}.")
    return timedelta(seconds=value)


def optional_bool(body: dict[str, Any], key: str, default: bool = False) -> bool:
    value = body.get(key, default)
    if not isinstance(value, bool):
        raise InvalidInput(f"'{key}' must be true or false.")
    return value


def query_int(name: str, default: int | None = None) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise InvalidInput(f"'{name}' must be a whole number.") from None


def query_seconds(name: str, maximum: float) -> float:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return 0.0
    try:
        value = float(raw)
    except ValueError:
        raise InvalidInput(f"'{name}' must be a number of seconds.") from None
    if not 0 <= value <= maximum:
        raise InvalidInput(f"'{name}' must be between 0 and {maximum:g} seconds.")
    return value
