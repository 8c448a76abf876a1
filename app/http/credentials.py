"""The credentials HTTP doors read from a request, parsed in one place."""

from __future__ import annotations

from flask import request


def bearer_token() -> str | None:
    """The token of `Authorization: Bearer <token>`, or None when the request sends none (no
    header, another scheme, or an empty token)."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def basic_password() -> str | None:
    """The password of `Authorization: Basic …` (the user name is ignored), or None."""
    auth = request.authorization
    if auth is None or auth.type != "basic" or not auth.password:
        return None
    return auth.password
