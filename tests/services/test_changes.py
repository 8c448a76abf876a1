"""The per-process new-mail watcher: one LISTEN (PostgreSQL) or one reader of new rows
(SQLite) for all waiters, each woken only by mail for the mailbox it watches."""

from __future__ import annotations

import threading

import sqlalchemy as sa

from app.extensions import db
from app.models import Mailbox
from app.services.ingest import delivery
from app.services.runtime import changes
from tests.factories import build_eml


def _deliver(app, address: str) -> int:
    with app.app_context():
        delivery.deliver("a@example.org", [address], build_eml(to=address))
        return db.session.execute(
            sa.select(Mailbox.id).where(Mailbox.address == address)).scalar_one()


def _wait_in_threads(subscriptions, timeout: float) -> list[bool]:
    results: list[bool] = [False] * len(subscriptions)

    def waiter(n: int) -> None:
        results[n] = subscriptions[n].wait(timeout)

    threads = [threading.Thread(target=waiter, args=(n,)) for n in range(len(subscriptions))]
    for thread in threads:
        thread.start()
    return results, threads


def test_waiters_wake_for_their_own_mailbox_only(app):
    watched = _deliver(app, "watched@mayfly.test")
    other = _deliver(app, "other@mayfly.test")
    with app.app_context():
        watch = changes.watcher()
        assert changes.watcher() is watch  # one per process, however many wait
    mine = [watch.subscribe(watched) for _ in range(5)]
    theirs = watch.subscribe(other)
    anything = watch.subscribe(None)
    results, threads = _wait_in_threads([*mine, anything], timeout=30)
    _deliver(app, "watched@mayfly.test")  # subscribed before: this cannot be missed
    for thread in threads:
        thread.join()
    assert results == [True] * 6
    assert theirs.wait(0.5) is False  # nothing came for the other mailbox
    for subscription in [*mine, theirs, anything]:
        subscription.__exit__()


def test_mail_between_subscribing_and_waiting_is_not_missed(app):
    watched = _deliver(app, "early@mayfly.test")
    with app.app_context():
        watch = changes.watcher()
    with watch.subscribe(watched) as news:
        _deliver(app, "early@mayfly.test")
        assert news.wait(30) is True


def test_closing_wakes_every_waiter_for_good(app):
    with app.app_context():
        watch = changes.watcher()
    subscriptions = [watch.subscribe(None) for _ in range(3)]
    results, threads = _wait_in_threads(subscriptions, timeout=30)
    changes.close_all([app])
    for thread in threads:
        thread.join(timeout=30)
    assert not any(t.is_alive() for t in threads)
    assert results == [False] * 3  # woken by the stop, not by mail
    assert all(s.closed for s in subscriptions)
