"""Threads end with their app: disposing an app stops the new-mail watcher, the webhook
senders and the sender-check threads it started, and a watcher whose store went away stops
retrying (and logging) once its app is disposed."""

from __future__ import annotations

import logging
import shutil
import socket
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest

from app import dispose
from app.extensions import db
from app.services.accounts import users
from app.services.checks import auth_results
from app.services.ingest import delivery
from app.services.mailbox_life import mailboxes
from app.services.outgoing import webhook_dispatch, webhooks
from app.services.runtime import background, changes
from tests.conftest import free_port
from tests.factories import build_eml
from tests.thread_guard import mayfly_threads, outliving

GENEROUS = 10.0


def _wait_until(check, seconds: float = GENEROUS) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "never happened"
        time.sleep(0.02)


def _names(threads: set[threading.Thread]) -> set[str]:
    return {t.name.rsplit("_", 1)[0] for t in threads if t.is_alive()}


def test_dispose_ends_every_thread_the_app_started(app, make_app):
    before = mayfly_threads()  # `app` made the domains; `quick` is the app under test
    quick = make_app(webhooks_allow_private=True, auth_dns_timeout=timedelta(milliseconds=200))
    try:
        with quick.app_context():
            changes.watcher()  # as the first wait= or event stream does
            owner = users.create_user("owner@example.org", "long enough password")
            mailboxes.create_mailbox("hooked", owner_id=owner.id)
            # Nothing listens there: the send fails at once, its thread stays in the pool.
            db.session.add(webhooks.create_webhook(owner.id,
                                                   f"http://127.0.0.1:{free_port()}/hook"))
            db.session.commit()
            delivery.deliver("a@example.org", ["hooked@mayfly.test"], build_eml())
            dispatcher = webhook_dispatch.Dispatcher(quick)  # as the SMTP sidecar runs it
            assert dispatcher.tick() == 1
            dispatcher.finish(timeout=GENEROUS)
            assert auth_results.evaluate_pending() == 1  # as the sidecar does
        assert _names(mayfly_threads() - before) == {
            "mayfly-watcher", "mayfly-webhook", "mayfly-auth"}
    finally:
        left = dispose(quick)  # the dispatcher was never closed: dispose shuts its pool
    assert left == []
    assert outliving(before, grace=0) == []


def test_closing_the_watcher_ends_its_thread(app):
    """What a gunicorn worker does at SIGTERM, before its app is disposed at exit."""
    before = mayfly_threads()
    with app.app_context():
        changes.watcher()
    assert _names(mayfly_threads() - before) == {"mayfly-watcher"}
    changes.close_all([app])
    assert outliving(before, grace=GENEROUS) == []


def test_a_disposed_app_starts_no_thread(app):
    before = mayfly_threads()
    dispose(app)
    with app.app_context():
        watch = changes.watcher()
        with watch.subscribe(None) as news:
            started = time.monotonic()
            assert news.wait(30) is False  # at once: nothing will ever wake it
            assert time.monotonic() - started < 5
        with pytest.raises(background.Disposed):
            webhook_dispatch.Dispatcher(app)
    assert mayfly_threads() - before == set()


def test_dispose_joins_within_its_timeout_and_names_what_it_left():
    tasks = background.Background()
    release = threading.Event()
    stubborn = tasks.start("stubborn", release.wait)  # ignores the stop event
    obedient = tasks.start("obedient", tasks.stop_event.wait)
    try:
        started = time.monotonic()
        left = tasks.dispose(timeout=0.3)
        assert time.monotonic() - started < 5
        assert left == [stubborn] and not obedient.is_alive()
    finally:
        release.set()
        stubborn.join(GENEROUS)
    with pytest.raises(background.Disposed):
        tasks.start("late", lambda: None)


@pytest.fixture
def sqlite_store(database_template: str, tmp_path: Path) -> Path:
    """A migrated SQLite store in a folder of its own, for a test to take away."""
    if database_template.startswith("postgresql"):
        pytest.skip("copies the SQLite template")
    store = tmp_path / "store"
    store.mkdir()
    shutil.copy(database_template, store / "mayfly.db")
    return store


def _closed_port() -> int:
    with socket.socket() as sock:  # bound, never listening: connections are refused
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("store", ["sqlite-removed", "postgresql-unreachable"])
def test_a_watcher_whose_store_went_away_stops_logging_once_disposed(
        store, request, make_app, caplog, monkeypatch):
    monkeypatch.setattr(changes, "RETRY_EVERY", 0.05)  # many retries in a short test
    caplog.set_level(logging.INFO, logger=changes.__name__)
    if store == "sqlite-removed":
        folder = request.getfixturevalue("sqlite_store")
        app = make_app(database_url=f"sqlite:///{folder / 'mayfly.db'}")
    else:
        app = make_app(database_url=f"postgresql+psycopg://mayfly@127.0.0.1:{_closed_port()}/x")
    before = mayfly_threads()

    def failures() -> list[logging.LogRecord]:
        return [r for r in caplog.records
                if r.name == changes.__name__ and "watcher" in r.getMessage()
                and r.levelno >= logging.WARNING]

    try:
        with app.app_context():
            changes.watcher()
            if store == "sqlite-removed":
                assert failures() == []  # it works, until the store goes away
                shutil.rmtree(folder)
                db.engine.dispose()  # no open connection keeps the removed file
        _wait_until(lambda: len(failures()) >= 3)
        first, *then = failures()
        assert first.levelno == logging.ERROR and first.exc_info  # the traceback, once
        assert all(r.levelno == logging.WARNING and not r.exc_info for r in then)
    finally:
        assert dispose(app) == []
    assert outliving(before, grace=0) == []
    logged = len(failures())
    time.sleep(20 * changes.RETRY_EVERY)
    assert len(failures()) == logged  # nothing retries any more
