"""New-mail notification for everything that waits (wait= calls, event streams).

One watcher per process, however many requests wait, and it tells which mailboxes got mail:
on PostgreSQL it LISTENs on `mayfly_messages`, which every delivering transaction NOTIFYs
at commit with the mailbox ids (so mail stored by any SMTP process on any host wakes waiters
at once); on SQLite it reads the ids of messages newer than the last it saw, five times a
second. A waiter sleeps until its own mailbox (or, for an address that has no mailbox yet,
any mailbox) changes, so a thousand open streams cost nothing while no mail comes for them.

The watcher's thread belongs to its app (app.services.runtime.background): it ends when the watcher
closes or the app is disposed, and while the store is away it retries every RETRY_EVERY
seconds, logging the first failure in full and the following ones in one line.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app

from app.extensions import db
from app.models import Message
from app.services.runtime import background

log = logging.getLogger(__name__)
CHANNEL = "mayfly_messages"
SQLITE_CHECK_EVERY = 0.2
EVERYTHING = "*"  # a NOTIFY payload that wakes every waiter (too many ids to list)
MAX_PAYLOAD = 7000  # PostgreSQL's limit is 8000 bytes
SQLITE_BATCH = 5000
READY_SECONDS = 5.0
RETRY_EVERY = 1.0
NOTIFY_WAIT = 0.5  # how soon a LISTEN notices a stop
_lock = threading.Lock()


def notify_in_transaction(mailbox_ids: Iterable[int]) -> None:
    """Called by delivery inside its transaction; PostgreSQL delivers it at commit."""
    if db.engine.dialect.name != "postgresql":
        return  # the SQLite watcher reads new message rows instead
    payload = ",".join(str(i) for i in sorted(set(mailbox_ids)))
    if len(payload) > MAX_PAYLOAD:
        payload = EVERYTHING
    db.session.execute(sa.text("SELECT pg_notify(:channel, :payload)"),
                       {"channel": CHANNEL, "payload": payload})


class Watcher:
    """Versions per watched mailbox (and one for "any mailbox"), bumped as mail arrives."""

    def __init__(self, app: Flask) -> None:
        self._app = app
        self._changed = threading.Condition()
        self._watched: Counter[int | None] = Counter()
        self._versions: dict[int | None, int] = {}
        self.closed = False
        self._stop = threading.Event()  # set by close(): the thread ends
        self._ready = threading.Event()
        self._failures = 0  # in a row, since the store last answered
        tasks = background.of(app)
        try:
            tasks.on_dispose(self.close)
            tasks.start("watcher", self._run)
        except background.Disposed:  # a disposed app: every wait ends at once
            self.close()
            return
        # Mail committed after this returns is seen: the listener (or the SQLite baseline)
        # is in place first.
        self._ready.wait(READY_SECONDS)

    def subscribe(self, mailbox_id: int | None) -> Subscription:
        """Interest in new mail for `mailbox_id` (None: any mailbox), from now on: mail that
        arrives between subscribing and the first wait is not missed."""
        with self._changed:
            self._watched[mailbox_id] += 1
            return Subscription(self, mailbox_id, self._versions.get(mailbox_id, 0))

    def _wait(self, subscription: Subscription, timeout: float) -> bool:
        key = subscription.mailbox_id
        with self._changed:
            changed = self._changed.wait_for(
                lambda: self.closed or self._versions.get(key, 0) != subscription.seen,
                timeout=max(timeout, 0))
            subscription.seen = self._versions.get(key, 0)
            return bool(changed) and not self.closed

    def _unsubscribe(self, mailbox_id: int | None) -> None:
        with self._changed:
            self._watched[mailbox_id] -= 1
            if not self._watched[mailbox_id]:
                del self._watched[mailbox_id]
                self._versions.pop(mailbox_id, None)

    def close(self) -> None:
        """Wake every waiter for good and end the thread (the process is stopping)."""
        with self._changed:
            self.closed = True
            self._changed.notify_all()
        self._stop.set()

    def _bump(self, mailbox_ids: Iterable[int] | None) -> None:
        """New mail for these mailboxes (None: any, or unknown which)."""
        with self._changed:
            keys = list(self._watched) if mailbox_ids is None else [
                *(i for i in set(mailbox_ids) if i in self._watched), None]
            for key in keys:
                self._versions[key] = self._versions.get(key, 0) + 1
            if keys:
                self._changed.notify_all()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                with self._app.app_context():
                    if db.engine.dialect.name == "postgresql":
                        self._listen()
                    else:
                        self._poll_new_rows()
            except Exception as exc:  # the store went away: waiters still time out; retry
                if self._stop.is_set():
                    return  # stopping: the store may close under us
                self._failures += 1
                if self._failures == 1:
                    log.exception("new-mail watcher failed; retrying")
                else:
                    log.warning("new-mail watcher still failing (%d times): %s",
                                self._failures, " ".join(str(exc).split()))
                self._ready.set()  # nobody waits for a listener that cannot start now
                self._bump(None)  # let waiters look for themselves meanwhile
                self._stop.wait(RETRY_EVERY)

    def _listening(self) -> None:
        if self._failures:
            log.info("new-mail watcher works again")
        self._failures = 0
        self._ready.set()

    def _listen(self) -> None:
        connection = db.engine.raw_connection()
        connection.detach()  # its own connection for good: never back into the pool
        try:
            driver: Any = connection.dbapi_connection  # psycopg's own connection
            driver.autocommit = True
            driver.execute(f"LISTEN {CHANNEL}")
            self._listening()
            while not self._stop.is_set():
                for note in driver.notifies(timeout=NOTIFY_WAIT, stop_after=1):
                    self._bump(_mailbox_ids(note.payload))
        finally:
            connection.close()

    def _poll_new_rows(self) -> None:
        last = db.session.execute(sa.select(sa.func.max(Message.id))).scalar() or 0
        db.session.remove()
        self._listening()
        while not self._stop.wait(SQLITE_CHECK_EVERY):
            rows = db.session.execute(
                sa.select(Message.id, Message.mailbox_id).where(Message.id > last)
                .order_by(Message.id).limit(SQLITE_BATCH)).all()
            db.session.remove()
            if rows:
                last = rows[-1].id
                self._bump(None if len(rows) == SQLITE_BATCH else [r.mailbox_id for r in rows])


class Subscription:
    """One waiter's interest in one mailbox; use it in a `with` block."""

    def __init__(self, watcher: Watcher, mailbox_id: int | None, seen: int) -> None:
        self.watcher, self.mailbox_id, self.seen = watcher, mailbox_id, seen

    def wait(self, timeout: float) -> bool:
        """Sleep until new mail for the mailbox (True), or timeout or shutdown (False)."""
        return self.watcher._wait(self, timeout)

    @property
    def closed(self) -> bool:
        return self.watcher.closed

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *_: object) -> None:
        self.watcher._unsubscribe(self.mailbox_id)


def _mailbox_ids(payload: str) -> list[int] | None:
    if not payload or payload == EVERYTHING:
        return None
    try:
        return [int(part) for part in payload.split(",")]
    except ValueError:
        return None


def watcher() -> Watcher:
    """This process's watcher, started on first use."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    with _lock:
        found: Watcher | None = app.extensions.get("mayfly_watcher")
        if found is None:
            found = app.extensions["mayfly_watcher"] = Watcher(app)
    return found


def close_all(apps: Iterable[Flask]) -> None:
    """Shutdown: every waiter of these apps wakes and ends now."""
    for app in apps:
        found = app.extensions.get("mayfly_watcher")
        if found is not None:
            found.close()
