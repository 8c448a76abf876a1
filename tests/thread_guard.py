"""A pytest plugin: no thread a Mayfly app starts outlives its test.

Every thread Mayfly starts is named "mayfly-…" (app/services/runtime/background.py). After each
test, once every fixture is torn down (so every app was disposed), a Mayfly thread that was
not running before the test and still runs fails the test at teardown, naming the threads.
Library threads (aiosmtpd's controller, werkzeug's server, pytest's own) are not Mayfly's
and are not looked at.

Registered in tests/conftest.py (`pytest_plugins`); `-p tests.thread_guard` loads it too.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from app.services.runtime.background import PREFIX

GRACE_SECONDS = 2.0  # a thread told to stop is given this long to end


def mayfly_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name.startswith(PREFIX)}


def outliving(before: set[threading.Thread], grace: float = GRACE_SECONDS) -> list[str]:
    """The Mayfly threads started since `before` that still run after `grace` seconds."""
    deadline = time.monotonic() + grace
    left = mayfly_threads() - before
    for thread in left:
        thread.join(max(0.0, deadline - time.monotonic()))
    return sorted(t.name for t in left if t.is_alive())


@pytest.fixture(autouse=True)
def _no_thread_outlives_its_app() -> Iterator[None]:
    # Autouse: set up before the test's own fixtures, so torn down after all of them.
    before = mayfly_threads()
    yield
    alive = outliving(before)
    if alive:
        pytest.fail(f"Mayfly threads outlived their app: {', '.join(alive)} (dispose every "
                    "app a test makes: `from app import dispose`)", pytrace=False)
