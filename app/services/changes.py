"""New-mail notification for everything that waits (wait= calls, event streams).

One watcher thread per process, however many requests wait: on PostgreSQL it LISTENs on
`mayfly_messages`, which every delivering transaction NOTIFYs at commit (so mail stored by any
SMTP process on any host wakes waiters at once); on SQLite it reads one cheap change counter
(the highest message id) five times a second. Waiters sleep on a condition until the counter
moves, then look at their own mailbox once.
"""

from __future__ import annotations

import logging
import threading
import time

import sqlalchemy as sa
from flask import Flask, current_app

from app.extensions import db
from app.models import Message

log = logging.getLogger(__name__)
CHANNEL = "mayfly_messages"
SQLITE_CHECK_EVERY = 0.2
_lock = threading.Lock()


def notify_in_transaction() -> None:
    """Called by delivery inside its transaction; PostgreSQL delivers it at commit."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(sa.text(f"NOTIFY {CHANNEL}"))


class Watcher:
    def __init__(self, app: Flask) -> None:
        self._app = app
        self._changed = threading.Condition()
        self.version = 0
        threading.Thread(target=self._run, name="mayfly-watcher", daemon=True).start()

    def wait(self, seen: int, timeout: float) -> int:
        """Block until the version passes `seen` or `timeout` runs out; the new version."""
        with self._changed:
            self._changed.wait_for(lambda: self.version != seen, timeout=max(timeout, 0))
            return self.version

    def _bump(self) -> None:
        with self._changed:
            self.version += 1
            self._changed.notify_all()

    def _run(self) -> None:
        while True:
            try:
                with self._app.app_context():
                    if db.engine.dialect.name == "postgresql":
                        self._listen()
                    else:
                        self._poll_counter()
            except Exception:  # the store went away: waiters still time out; retry soon
                log.exception("new-mail watcher failed; retrying")
                self._bump()  # let waiters look for themselves meanwhile
                time.sleep(1)

    def _listen(self) -> None:
        connection = db.engine.raw_connection()
        connection.detach()  # its own connection for good: never back into the pool
        try:
            driver = connection.dbapi_connection
            driver.autocommit = True
            driver.execute(f"LISTEN {CHANNEL}")
            while True:
                for _ in driver.notifies(timeout=5.0, stop_after=1):
                    self._bump()
        finally:
            connection.close()

    def _poll_counter(self) -> None:
        last = None
        while True:
            newest = db.session.execute(sa.select(sa.func.max(Message.id))).scalar()
            db.session.remove()
            if newest != last:
                last = newest
                self._bump()
            time.sleep(SQLITE_CHECK_EVERY)


def watcher() -> Watcher:
    """This process's watcher, started on first use."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    with _lock:
        found = app.extensions.get("mayfly_watcher")
        if found is None:
            found = app.extensions["mayfly_watcher"] = Watcher(app)
    return found
