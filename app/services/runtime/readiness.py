"""Whether this process can do its work now: the store answers, the shared limit store
(Redis) answers when one is configured, and the SMTP door accepts connections. For load
balancers and orchestrators (/readyz); each look is bounded by CHECK_SECONDS."""

from __future__ import annotations

import socket

import sqlalchemy as sa

from app.extensions import db, limiter
from app.services.context import settings

CHECK_SECONDS = 2.0
OK, DOWN, UNUSED = "ok", "unreachable", "not used"


def check() -> dict[str, str]:
    """Each part's state: "ok", "unreachable", or "not used" (no Redis configured)."""
    return {"store": _store(), "redis": _redis(), "smtp": _smtp()}


def ready(states: dict[str, str]) -> bool:
    return DOWN not in states.values()


def _store() -> str:
    try:
        db.session.execute(sa.text("SELECT 1"))
        return OK
    except sa.exc.SQLAlchemyError:
        return DOWN
    finally:
        db.session.rollback()


def _redis() -> str:
    if not settings().ratelimit_storage_uri.startswith(("redis", "rediss")):
        return UNUSED
    try:
        return OK if limiter.storage.check() else DOWN
    except Exception:  # any failure of the storage client means not ready
        return DOWN


def _smtp() -> str:
    config = settings()
    host = "127.0.0.1" if config.smtp_host in ("", "0.0.0.0") else config.smtp_host  # noqa: S104
    try:
        socket.create_connection((host, config.smtp_port), timeout=CHECK_SECONDS).close()
        return OK
    except OSError:
        return DOWN
