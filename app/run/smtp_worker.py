"""One SMTP worker process (`python -m app.run.smtp_worker`, started by the sidecar): serve
SMTP on the shared port until told to stop, or until the sidecar is gone, then drain.

It tells the sidecar it listens by writing one byte to the descriptor in READY_FD.
"""

from __future__ import annotations

import logging
import os
import threading
from functools import partial

from app import dispose
from app.run.process import exit_now, open_app, stop_on_signals
from app.run.schedule import Job, Schedule
from app.smtp.server import build_controller

log = logging.getLogger("mayfly.smtpd")
MODULE = "app.run.smtp_worker"  # how the sidecar starts one: python -m MODULE
READY_FD = "MAYFLY_READY_FD"  # a worker writes one byte here once it accepts connections
DRAIN_SECONDS = 4.0  # a stop lets the transactions under way finish this long
PARENT_CHECK_EVERY = 1.0  # seconds between a worker's looks for its parent


def watch_parent(parent: int, stop: threading.Event) -> None:
    """Stop when the sidecar that started this worker is gone (this worker was adopted)."""
    if os.getppid() != parent:
        log.error("the SMTP sidecar went away; this worker stops")
        stop.set()


def main() -> int:
    """Serve until stopped, drain, and return the exit code."""
    app = open_app("smtpd")
    if app is None:
        return 2
    stop = stop_on_signals()  # before start: a stop during start-up still drains cleanly
    parent = os.getppid()
    controller = build_controller(app, app.config["MAYFLY"])
    controller.start()
    ready_fd = os.environ.get(READY_FD)
    if ready_fd:  # tell the sidecar this worker accepts connections
        os.write(int(ready_fd), b"1")
        os.close(int(ready_fd))
    Schedule(app, stop).start([
        Job("parent-watch", PARENT_CHECK_EVERY, partial(watch_parent, parent, stop)),
    ])
    stop.wait()
    controller.drain(DRAIN_SECONDS)
    controller.stop()
    dispose(app, timeout=1.0)
    return 0


if __name__ == "__main__":
    exit_now(main())
