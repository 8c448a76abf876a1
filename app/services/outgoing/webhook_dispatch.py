"""Sending webhook deliveries: concurrently, each within WEBHOOK_TIMEOUT, never more than
PER_HOST at once to one receiver (host and port), so one slow or hanging receiver cannot
hold up another's.

A Dispatcher's thread pool belongs to its app (app.services.runtime.background): its threads are
named mayfly-webhook_N, and disposing the app drops the sends not yet started and joins them.

The SMTP sidecar's parent runs one Dispatcher: every tick it claims what is due (an atomic
update gives each delivery a lease, so several dispatchers never send one twice) as far as
free threads and per-host room allow, and hands each to its thread pool. A failed delivery
is retried after BACKOFF; after MAX_ATTEMPTS it is marked failed.
"""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import Future, wait
from datetime import timedelta
from typing import Any, cast
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Flask, current_app

from app.extensions import db
from app.models import Webhook, WebhookDelivery
from app.models.base import utcnow
from app.services.context import settings
from app.services.outgoing import outbound
from app.services.outgoing.webhooks import sign
from app.services.runtime import background, metrics

BACKOFF = (5, 30, 120, 600, 1800, 3600, 7200)  # seconds before attempts 2, 3, …
MAX_ATTEMPTS = len(BACKOFF) + 1
PER_HOST = 2
USER_AGENT = "Mayfly-Webhooks/1"


class Dispatcher:
    def __init__(self, app: Flask) -> None:
        self._app = app
        config = app.config["MAYFLY"]
        self._threads = config.webhook_concurrency
        # A lease outlives the longest send, so a delivery is never sent twice at once.
        self._lease = config.webhook_timeout + timedelta(seconds=30)
        self._pool = background.of(app).pool("webhook", self._threads)
        self._lock = threading.Lock()
        self._by_host: Counter[str] = Counter()
        self._running: set[Future[None]] = set()

    def tick(self) -> int:
        """Claim and start what is due and fits; returns how many were started."""
        with self._app.app_context():
            started = 0
            for delivery_id, host in self._due():
                if not self._claim(delivery_id):
                    continue
                with self._lock:
                    self._by_host[host] += 1
                future = self._pool.submit(self._send, delivery_id, host)
                self._running.add(future)
                future.add_done_callback(self._running.discard)
                started += 1
            db.session.remove()
            return started

    def finish(self, timeout: float | None = None) -> None:
        """Wait for the deliveries under way."""
        wait(list(self._running), timeout=timeout)

    def close(self, wait: bool = True) -> None:
        """Drop the deliveries not yet started (their leases lapse and they are sent later);
        with `wait`, wait for those under way (each ends by WEBHOOK_TIMEOUT)."""
        self._pool.shutdown(wait=wait, cancel_futures=True)

    def _due(self) -> list[tuple[int, str]]:
        with self._lock:
            free = self._threads - sum(self._by_host.values())
            busy = dict(self._by_host)
        if free <= 0:
            return []
        rows = db.session.execute(
            sa.select(WebhookDelivery.id, Webhook.url).join(Webhook)
            .where(WebhookDelivery.status == "pending",
                   WebhookDelivery.next_attempt_at <= utcnow())
            .order_by(WebhookDelivery.next_attempt_at).limit(free * 10)).all()
        chosen: list[tuple[int, str]] = []
        for delivery_id, url in rows:
            host = urlsplit(url).netloc.lower()  # a receiver: host and port
            if busy.get(host, 0) < PER_HOST and len(chosen) < free:
                busy[host] = busy.get(host, 0) + 1
                chosen.append((delivery_id, host))
        return chosen

    def _claim(self, delivery_id: int) -> bool:
        now = utcnow()
        claimed = cast(sa.CursorResult[Any], db.session.execute(
            sa.update(WebhookDelivery).where(WebhookDelivery.id == delivery_id,
                                             WebhookDelivery.status == "pending",
                                             WebhookDelivery.next_attempt_at <= now)
            .values(next_attempt_at=now + self._lease))).rowcount
        db.session.commit()
        return bool(claimed)

    def _send(self, delivery_id: int, host: str) -> None:
        try:
            with self._app.app_context():
                attempt(delivery_id)
                db.session.remove()
        finally:
            with self._lock:
                self._by_host[host] -= 1
                if self._by_host[host] <= 0:
                    del self._by_host[host]


def attempt(delivery_id: int) -> None:
    """One POST of a claimed delivery, and its outcome recorded."""
    delivery = db.session.get(WebhookDelivery, delivery_id)
    webhook = db.session.get(Webhook, delivery.webhook_id) if delivery else None
    if delivery is None or webhook is None:
        return
    body = delivery.payload.encode()
    timestamp = int(utcnow().timestamp())
    config = settings()
    result = outbound.post(webhook.url, body, {
        "Content-Type": "application/json", "User-Agent": USER_AGENT,
        "X-Mayfly-Timestamp": str(timestamp),
        "X-Mayfly-Signature": sign(webhook.secret, timestamp, body)},
        deadline=config.webhook_timeout.total_seconds(),
        allow_private=config.webhooks_allow_private)
    delivery.attempts += 1
    delivery.last_status, delivery.last_error = result.status, result.error
    if result.ok:
        delivery.status, delivery.delivered_at = "delivered", utcnow()
    elif delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = "failed"
    else:
        delay = BACKOFF[min(delivery.attempts, len(BACKOFF)) - 1]
        delivery.next_attempt_at = utcnow() + timedelta(seconds=delay)
    db.session.commit()
    metrics.WEBHOOK_OUTCOMES.labels("retry" if delivery.status == "pending"
                                    else delivery.status).inc()


def dispatch_due() -> int:
    """Send what is due now and wait for it (the CLI and tests; the sidecar uses a
    Dispatcher that keeps running)."""
    dispatcher = Dispatcher(current_app._get_current_object())  # type: ignore[attr-defined]
    try:
        started = dispatcher.tick()
        dispatcher.finish()
        return started
    finally:
        dispatcher.close()
