"""The per-process new-mail watcher: one LISTEN (PostgreSQL) or one counter (SQLite) for all."""

from __future__ import annotations

import threading
import time

from app.services import changes, delivery
from tests.factories import build_eml


def test_waiters_wake_when_mail_is_stored(app):
    with app.app_context():
        watch = changes.watcher()
        assert changes.watcher() is watch  # one per process, however many wait
        time.sleep(0.5)  # it has read the current state
        seen = watch.version
    woke: list[float] = []

    def waiter() -> None:
        started = time.monotonic()
        if watch.wait(seen, timeout=10) != seen:
            woke.append(time.monotonic() - started)

    threads = [threading.Thread(target=waiter) for _ in range(5)]
    for thread in threads:
        thread.start()
    time.sleep(0.3)
    with app.app_context():
        delivery.deliver("a@example.org", ["watched@mayfly.test"], build_eml())
    for thread in threads:
        thread.join()
    assert len(woke) == 5
    assert max(woke) < 2.0


def test_nothing_new_means_waiters_sleep_until_their_timeout(app):
    with app.app_context():
        watch = changes.watcher()
        time.sleep(0.5)
        seen = watch.version
    started = time.monotonic()
    assert watch.wait(seen, timeout=0.5) == seen
    assert time.monotonic() - started >= 0.45
