"""Calls that hold a connection open (wait= and event streams): a fair share per client, a
cap per web process, and a way to notice a client that went away.

Under the gevent worker a held call costs a socket and a greenlet, not a thread, so the cap
(WAIT_MAX_CONCURRENT) sits below what one process serves at once (WEB_CONNECTIONS) and
ordinary requests always find room. A client is its credential (Authorization or
X-MailboxToken header) when it sends one, else its IP; it holds at most WAIT_MAX_PER_CLIENT.
"""

from __future__ import annotations

import hashlib
import select
import socket
import threading
from collections import Counter
from collections.abc import Callable

from flask import current_app, g, request
from flask_limiter.util import get_remote_address
from werkzeug.exceptions import TooManyRequests

from app.http.per_app import per_app
from app.services import metrics

CREDENTIAL_HEADERS = ("Authorization", "X-MailboxToken")
RETRY_AFTER = 5


class Lease:
    """One held slot; releasing twice is harmless (a stream releases on close and on end)."""

    def __init__(self, slots: Slots, client: str, kind: str) -> None:
        self._slots, self._client, self._held = slots, client, True
        self._gauge = metrics.HELD_CALLS.labels(kind)
        self._gauge.inc()

    def release(self) -> None:
        if self._held:
            self._held = False
            self._gauge.dec()
            self._slots._release(self._client)


class Slots:
    def __init__(self, total: int, per_client: int) -> None:
        self.total, self.per_client = total, per_client
        self._lock = threading.Lock()
        self._held: Counter[str] = Counter()

    def take(self, client: str, kind: str) -> Lease | None:
        with self._lock:
            if sum(self._held.values()) >= self.total or self._held[client] >= self.per_client:
                return None
            self._held[client] += 1
        return Lease(self, client, kind)

    def _release(self, client: str) -> None:
        with self._lock:
            self._held[client] -= 1
            if self._held[client] <= 0:
                del self._held[client]

    @property
    def in_use(self) -> int:
        with self._lock:
            return sum(self._held.values())


def slots() -> Slots:
    """This process's slots (one set per app)."""
    config = current_app.config["MAYFLY"]
    return per_app("mayfly_wait_slots",
                   lambda: Slots(config.wait_max_concurrent, config.wait_max_per_client))


def client_key() -> str:
    for header in CREDENTIAL_HEADERS:
        value = request.headers.get(header)
        if value:
            return "credential:" + hashlib.sha256(value.encode("utf-8", "replace")).hexdigest()
    return "ip:" + get_remote_address()


def take(kind: str) -> Lease:
    """A slot for this request's client (a "wait" or a "stream"), or 429 (Retry-After: a few
    seconds)."""
    lease = slots().take(client_key(), kind)
    if lease is None:
        g.retry_after = RETRY_AFTER
        raise TooManyRequests("Too many waits and streams are open for you; close one or "
                              "retry shortly.")
    return lease


def gone_check() -> Callable[[], bool]:
    """A cheap test, callable later in the request, for "the client closed its connection"."""
    sock = request.environ.get("gunicorn.socket") or request.environ.get("werkzeug.socket")
    if not isinstance(sock, socket.socket):
        return lambda: False

    def gone() -> bool:
        # poll, not select: a busy process has sockets past select's 1,024 descriptors.
        watcher = select.poll()
        watcher.register(sock, select.POLLIN)
        try:
            if not watcher.poll(0):
                return False
            # Readable with nothing to read is an orderly close; a reset raises.
            return sock.recv(1, socket.MSG_PEEK) == b""
        except (OSError, ValueError):
            return True

    return gone
