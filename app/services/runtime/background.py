"""What an app runs in the background, and its end.

Every thread a Mayfly app starts (the new-mail watcher, webhook senders, sender checks, the
periodic jobs of app/run/schedule.py) is started or adopted here, is named "mayfly-…", and
waits on an event instead of sleeping, so it ends when told. `dispose(app)` tells them all:
it sets the app's stop event, runs what was registered to run at the end (the watcher's
close, a schedule's stop), shuts the app's thread pools down (work not yet started is
dropped), joins every thread within a deadline and closes the store's connections. Tests
dispose every app they make; gunicorn workers and the SMTP sidecar dispose theirs on the way
out.

Left alone, because they are bounded and belong to one request: the thread that sends one
password-reset mail, and the timer that aborts one webhook POST at its deadline.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from flask import Flask

from app.extensions import db

log = logging.getLogger(__name__)
PREFIX = "mayfly-"  # every thread Mayfly starts; tests/thread_guard.py looks for these
DISPOSE_SECONDS = 5.0
_EXTENSION = "mayfly_background"
_lock = threading.Lock()


class Disposed(RuntimeError):
    """The app was disposed: it starts nothing any more."""


class Background:
    """One app's background threads and thread pools, and the event that stops them."""

    def __init__(self) -> None:
        self.stop_event = threading.Event()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._closers: list[Callable[[], object]] = []
        self._pools: weakref.WeakSet[ThreadPoolExecutor] = weakref.WeakSet()
        self._shared: dict[str, ThreadPoolExecutor] = {}

    @property
    def stopping(self) -> bool:
        return self.stop_event.is_set()

    def start(self, name: str, target: Callable[..., object], *args: Any) -> threading.Thread:
        """Run `target(*args)` in a thread named mayfly-`name`, joined at dispose. It must
        return soon once the stop event (or whatever its closer sets) is set."""
        thread = threading.Thread(target=target, args=args, name=PREFIX + name, daemon=True)
        self._adopt(thread)
        thread.start()
        return thread

    def on_dispose(self, close: Callable[[], object]) -> None:
        """Call `close()` at dispose, before the threads are joined."""
        with self._lock:
            self._refuse_if_disposed()
            self._closers.append(close)

    def pool(self, name: str, workers: int) -> ThreadPoolExecutor:
        """A new thread pool whose threads are mayfly-`name`_N; shut down at dispose (work
        not yet started is dropped), unless its owner shut it down before."""
        with self._lock:
            self._refuse_if_disposed()
            pool = ThreadPoolExecutor(workers, thread_name_prefix=PREFIX + name,
                                      initializer=self.adopt_current_thread)
            self._pools.add(pool)
            return pool

    def shared_pool(self, name: str, workers: int) -> ThreadPoolExecutor:
        """The app's one pool of this name, made on first use."""
        with self._lock:
            found = self._shared.get(name)
        if found is None:
            found = self.pool(name, workers)
            with self._lock:
                found = self._shared.setdefault(name, found)
        return found

    def close_pool(self, name: str) -> None:
        """Drop the shared pool's work not yet started; it takes no more (for good)."""
        with self._lock:
            found = self._shared.get(name)
        if found is not None:
            found.shutdown(wait=False, cancel_futures=True)

    def adopt_current_thread(self) -> None:
        """Join the calling thread at dispose (a pool's initializer)."""
        self._adopt(threading.current_thread())

    def dispose(self, timeout: float = DISPOSE_SECONDS) -> list[threading.Thread]:
        """Stop everything; returns the threads still running after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self._lock:
            self.stop_event.set()
            closers, self._closers = self._closers, []
            pools = list(self._pools)
        for close in closers:
            try:
                close()
            except Exception:
                log.exception("closing %r failed", close)
        for pool in pools:
            pool.shutdown(wait=False, cancel_futures=True)
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            if thread is not threading.current_thread() and thread.ident is not None:
                thread.join(max(0.0, deadline - time.monotonic()))
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()]
            return list(self._threads)

    def _adopt(self, thread: threading.Thread) -> None:
        with self._lock:
            self._refuse_if_disposed()
            self._threads = [t for t in self._threads if t.ident is None or t.is_alive()]
            self._threads.append(thread)

    def _refuse_if_disposed(self) -> None:
        if self.stop_event.is_set():
            raise Disposed("this Mayfly app was disposed; it starts no more threads")


def of(app: Flask) -> Background:
    """The app's background (made on first use)."""
    with _lock:
        found: Background | None = app.extensions.get(_EXTENSION)
        if found is None:
            found = app.extensions[_EXTENSION] = Background()
    return found


def dispose(app: Flask, timeout: float = DISPOSE_SECONDS) -> list[str]:
    """The end of an app: its threads stop (within `timeout`) and its store connections
    close. Returns the names of threads still running (logged as well); safe to repeat."""
    left = of(app).dispose(timeout)
    if left:
        log.warning("still running %.1f s after the stop: %s", timeout,
                    ", ".join(t.name for t in left))
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return [t.name for t in left]
