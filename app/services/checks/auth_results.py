"""Authentication results (SPF, DKIM, DMARC, ARC) for stored mail, worked out after the commit.

Delivery gives each message a `message_checks` row marked `auth_pending` (when AUTH_RESULTS is
on) and answers 250 without a DNS lookup. The SMTP sidecar's parent calls `evaluate_pending` a
few times a second: it claims a batch (an atomic update stamps `auth_claimed_at`, so several
sidecars never take one message twice, and a claim abandoned by a crash is taken again after
CLAIM_TIMEOUT), evaluates them on a few threads outside any transaction, and stores every
verdict in one transaction that also wakes whoever waits on those mailboxes.

The evaluating threads (mayfly-auth_N) belong to the app (app.services.runtime.background): one pool
per app, made on first use, shut down when the app is disposed.
"""

from __future__ import annotations

from concurrent import futures
from datetime import timedelta
from typing import Any, cast

import sqlalchemy as sa
from flask import Flask, current_app

from app.extensions import db
from app.models import Blob, Message, MessageChecks
from app.models.base import utcnow
from app.services.checks import auth_checks
from app.services.context import settings
from app.services.runtime import background, changes

BATCH = 32
CLAIM_TIMEOUT = timedelta(minutes=5)
VERDICTS = ("pass", "fail", "softfail", "neutral", "none", "temperror", "permerror", "policy")
MESSAGES = cast(sa.Table, Message.__table__)
BLOBS = cast(sa.Table, Blob.__table__)
CHECKS = cast(sa.Table, MessageChecks.__table__)
_STORE_VERDICTS = sa.update(CHECKS).where(CHECKS.c.message_id == sa.bindparam("_id"))
THREADS = 8
GATHER = 0.05  # seconds: verdicts that come this close together share one transaction
_POOL = "auth"


def stop(app: Flask) -> None:
    """Drop the evaluations not yet started (their claims lapse after CLAIM_TIMEOUT and are
    taken again), so a stopping sidecar waits for at most the few under way. For good: the
    app evaluates nothing more."""
    background.of(app).close_pool(_POOL)


def evaluate_pending(limit: int = BATCH) -> int:
    """Evaluate up to `limit` waiting messages; returns how many got their verdicts."""
    config = settings()
    claimed = _claim(limit)
    if not claimed:
        return 0
    auth_checks.use_dns(config.auth_dns_servers, config.auth_dns_timeout.total_seconds())
    timeout = config.auth_dns_timeout.total_seconds()
    envelopes = [auth_checks.Envelope(row.raw or b"", row.client_ip or "", row.helo or "",
                                      row.envelope_from or "") for row in claimed]
    pool = background.of(current_app).shared_pool(_POOL, THREADS)
    waiting = {pool.submit(auth_checks.evaluate, envelope, config.smtp_hostname, timeout): row
               for row, envelope in zip(claimed, envelopes, strict=True)}
    # Verdicts are stored as they come (those done within GATHER of each other together): a
    # message whose lookups hang (its budget is eight timeouts) holds up no other message.
    while waiting:
        futures.wait(waiting, return_when=futures.FIRST_COMPLETED)
        done, _ = futures.wait(waiting, timeout=GATHER)
        _store([(waiting.pop(future), future.result()) for future in done])
    return len(claimed)


def _store(verdicts: list[tuple[Any, dict[str, Any]]]) -> None:
    if not verdicts:
        return
    db.session.execute(_STORE_VERDICTS, [
        {"_id": row.id, "auth": found, "auth_pending": False, "auth_claimed_at": None,
         "auth_spf": _word(found["spf"]["result"]),
         "auth_dkim": _word(auth_checks.dkim_summary(found)),
         "auth_dmarc": _word(found["dmarc"]["result"]),
         "auth_arc": _word(found["arc"]["result"])}
        for row, found in verdicts])  # one executemany
    changes.notify_in_transaction(row.mailbox_id for row, _ in verdicts)
    db.session.commit()


def _claim(limit: int) -> list[Any]:
    now = utcnow()
    claimable = CHECKS.c.auth_pending.is_(True) & (
        CHECKS.c.auth_claimed_at.is_(None) | (CHECKS.c.auth_claimed_at < now - CLAIM_TIMEOUT))
    due = db.session.execute(sa.select(CHECKS.c.message_id).where(claimable)
                             .order_by(CHECKS.c.message_id).limit(limit)).scalars().all()
    if not due:
        db.session.rollback()
        return []
    # Re-checked in the UPDATE itself: a row another sidecar claimed meanwhile is skipped.
    ids = db.session.execute(sa.update(CHECKS).where(CHECKS.c.message_id.in_(due), claimable)
                             .values(auth_claimed_at=now).returning(CHECKS.c.message_id)
                             ).scalars().all()
    db.session.commit()
    if not ids:
        return []
    rows = db.session.execute(sa.select(
        MESSAGES.c.id, MESSAGES.c.mailbox_id, BLOBS.c.data.label("raw"), CHECKS.c.client_ip,
        CHECKS.c.helo, MESSAGES.c.envelope_from)
        .select_from(CHECKS.join(MESSAGES, MESSAGES.c.id == CHECKS.c.message_id)
                     .outerjoin(BLOBS, BLOBS.c.id == MESSAGES.c.blob_id))
        .where(CHECKS.c.message_id.in_(ids))).all()
    db.session.rollback()  # no transaction is held while DNS answers
    return list(rows)


def _word(result: str | None) -> str:
    return result if result in VERDICTS else "none"

