"""Acting once the server is already holding a call open (a wait= listing or an event stream),
observed rather than guessed with a sleep: what the action sends then comes to a call that is
waiting, however slow the machine."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from flask import Flask

from app.http import waits

GENEROUS = 30  # seconds; only bounds a hang


def held_calls(app: Flask) -> int:
    """How many calls `app` holds open now (its wait slots in use)."""
    with app.app_context():
        return waits.slots().in_use


def once_held(app: Flask, action: Callable[..., Any], *args: Any, **kwargs: Any
              ) -> threading.Thread:
    """Run action(*args, **kwargs) in a thread as soon as `app` holds a call open."""
    def run() -> None:
        deadline = time.monotonic() + GENEROUS
        while held_calls(app) < 1 and time.monotonic() < deadline:
            time.sleep(0.02)
        action(*args, **kwargs)

    thread = threading.Thread(target=run)
    thread.start()
    return thread
