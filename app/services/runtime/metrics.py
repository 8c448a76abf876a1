"""What Mayfly counts for Prometheus, and the exposition of it.

The doors count what they see (SMTP replies, held HTTP calls, 429s) and the webhook sender its
outcomes; the store's totals are read at scrape time. Under the launcher every web worker and
SMTP process writes its own file in PROMETHEUS_MULTIPROC_DIR (prometheus-client's multi-process
mode) and a scrape of any web worker adds them up; without that variable (tests, one process)
the values live in this process only.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator

import sqlalchemy as sa
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from app.extensions import db
from app.models import Message

SMTP_REPLIES = Counter(
    "mayfly_smtp_replies_total",
    "SMTP replies to RCPT and DATA (and connections turned away), by step and reply code.",
    ["step", "code"])
DELIVERY_SECONDS = Histogram(
    "mayfly_delivery_seconds",
    "From the end of DATA to the reply after the commit (fault delays not included).",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
HELD_CALLS = Gauge(
    "mayfly_held_calls", "Open event streams and waits (wait=) now, by kind.", ["kind"],
    multiprocess_mode="livesum")
WEBHOOK_OUTCOMES = Counter(
    "mayfly_webhook_attempts_total",
    "Webhook delivery attempts by outcome: delivered, retry (will be tried again), failed.",
    ["outcome"])
RATE_LIMITED = Counter(
    "mayfly_rate_limited_total", "HTTP answers 429 (rate limits, quotas, held-call shares), "
    "by door.", ["door"])


def smtp_reply(step: str, reply: str) -> str:
    """Count an SMTP reply by its code and hand it back."""
    SMTP_REPLIES.labels(step, reply[:3]).inc()
    return reply


class StoreTotals:
    """Stored messages and bytes, read from the store at each scrape (the same on every host)."""

    def collect(self) -> Iterator[Metric]:
        count, size = db.session.execute(sa.select(
            sa.func.count(), sa.func.coalesce(sa.func.sum(Message.size), 0))).one()
        db.session.rollback()  # end the read; a scrape holds no transaction
        yield GaugeMetricFamily("mayfly_stored_messages", "Messages in the store.", value=count)
        yield GaugeMetricFamily("mayfly_stored_bytes", "Bytes of stored messages (as received).",
                                value=size)


class _Together:
    """Several collectors exposed as one registry."""

    def __init__(self, *sources: CollectorRegistry | StoreTotals) -> None:
        self._sources: Iterable[CollectorRegistry | StoreTotals] = sources

    def collect(self) -> Iterator[Metric]:
        for source in self._sources:
            yield from source.collect()


def exposition() -> tuple[bytes, str]:
    """The text a scrape answers, and its content type."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        processes = CollectorRegistry()
        MultiProcessCollector(processes)  # type: ignore[no-untyped-call]
        counted = processes
    else:
        counted = REGISTRY
    return generate_latest(_Together(counted, StoreTotals())), CONTENT_TYPE_LATEST

