"""Calls that hold a connection open (wait= and event streams): a fair share per client, a
cap per web process, and a way to notice a client that went away.

Under the gevent worker a held call costs a socket and a greenlet, not a thread, so the cap
(WAIT_MAX_CONCURRENT) sits below what one process serves at once (WEB_CONNECTIONS) and
ordinary requests always find room. A client is who its verified credential says it is (a
user, or the mailboxes its token opened), else its IP; it holds at most WAIT_MAX_PER_CLIENT,
and one IP holds at most PER_IP_FACTOR times that, whatever credentials it shows: a header
nobody checked (a made-up token) names no one.

A held call takes its slot as a context manager, so it goes back however the call ends:
`with waits.hold("wait", principal): ...`.
"""

from __future__ import annotations

import select
import socket
import threading
from collections import Counter
from collections.abc import Callable
from types import TracebackType

from flask import current_app, g, request
from flask_limiter.util import get_remote_address
from werkzeug.exceptions import TooManyRequests

from app.http.per_app import per_app
from app.services.access import Principal
from app.services.runtime import metrics

RETRY_AFTER = 5
# Several users behind one address (an office, a CI host) share it; a flood from one does not.
PER_IP_FACTOR = 5


class Lease:
    """One held slot, released when its `with` block ends; releasing twice is harmless (a
    stream releases at its end and when its response closes, whichever comes first)."""

    def __init__(self, slots: Slots, client: str, kind: str) -> None:
        self._slots, self._client, self._held = slots, client, True
        self._gauge = metrics.HELD_CALLS.labels(kind)
        self._gauge.inc()

    def release(self) -> None:
        if self._held:
            self._held = False
            self._gauge.dec()
            self._slots._release(self._client)

    def __enter__(self) -> Lease:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.release()


class Slots:
    def __init__(self, total: int, per_client: int) -> None:
        self.total, self.per_client = total, per_client
        self.per_ip = per_client * PER_IP_FACTOR
        self._lock = threading.Lock()
        self._held: Counter[str] = Counter()

    def take(self, client: str, ip: str, kind: str) -> Lease | None:
        with self._lock:
            if (self._held["total"] >= self.total or self._held[client] >= self.per_client
                    or self._held[ip] >= self.per_ip):
                return None
            self._held.update(("total", client, ip) if client != ip else ("total", ip))
        return Lease(self, client if client == ip else f"{client}\n{ip}", kind)

    def _release(self, keys: str) -> None:
        with self._lock:
            for key in ("total", *keys.split("\n")):
                self._held[key] -= 1
                if self._held[key] <= 0:
                    del self._held[key]

    @property
    def in_use(self) -> int:
        with self._lock:
            return self._held["total"]


def slots() -> Slots:
    """This process's slots (one set per app)."""
    config = current_app.config["MAYFLY"]
    return per_app("mayfly_wait_slots",
                   lambda: Slots(config.wait_max_concurrent, config.wait_max_per_client))


def client_key(principal: Principal) -> str:
    """Whom a held call counts against: the verified user, else the mailboxes a verified
    token opened, else the IP."""
    if principal.user_id is not None:
        return f"user:{principal.user_id}"
    opened = sorted(principal.mailbox_ids | {mailbox_id for mailbox_id, _ in principal.grants})
    if opened:
        return "mailboxes:" + ",".join(map(str, opened))
    return _ip_key()


def _ip_key() -> str:
    return "ip:" + get_remote_address()


def hold(kind: str, principal: Principal) -> Lease:
    """A slot for this request's client (a "wait" or a "stream"), or 429 (Retry-After: a few
    seconds). Use it in a `with` statement."""
    lease = slots().take(client_key(principal), _ip_key(), kind)
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
