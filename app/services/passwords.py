"""Stored passwords (users' and mailbox accounts'): scrypt hashes made with werkzeug, at the
work factor PASSWORD_SCRYPT_N sets. A hash carries its own parameters, so hashes made under
another N still verify after the setting changes."""

from __future__ import annotations

from functools import cache

from werkzeug.security import check_password_hash, generate_password_hash

from app.services.context import settings


def hashed(password: str) -> str:
    """The hash to store for a new password."""
    return generate_password_hash(password, method=_method(settings().password_scrypt_n))


def matches(stored_hash: str | None, password: str) -> bool:
    """Whether the password is the one stored. With nothing stored (no such account), a
    hash of the same cost is checked anyway, so an unknown name takes as long as a wrong
    password and gives away nothing."""
    if stored_hash is None:
        check_password_hash(_stand_in(settings().password_scrypt_n), password)
        return False
    return check_password_hash(stored_hash, password)


def _method(cost: int) -> str:
    return f"scrypt:{cost}:8:1"


@cache
def _stand_in(cost: int) -> str:
    return generate_password_hash("mayfly-timing-equalizer", method=_method(cost))
