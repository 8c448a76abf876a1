"""What every long-running Mayfly process does at its start and its end: logging, its app
(or one line naming a bad setting), the stop that SIGTERM and Ctrl-C ask for, a prompt exit."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading

from flask import Flask

from app import create_app
from app.config import load_or_report


def open_app(process: str) -> Flask | None:
    """Logging for this process, then its app; None (after one line on stderr) when a
    setting is bad."""
    logging.basicConfig(level=logging.INFO,
                        format=f"%(asctime)s {process} %(levelname)s %(message)s")
    # aiosmtpd logs every SMTP command at INFO: a fifth of a busy worker's time. Warnings stay.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    settings = load_or_report()
    return None if settings is None else create_app(settings)


def stop_on_signals() -> threading.Event:
    """An event that SIGTERM and SIGINT set."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    return stop


def exit_now(code: int) -> None:
    """Exit at once: the caller stopped and closed everything already. Not waiting for a
    send or a sender check still under way, nor for the interpreter's teardown of the app's
    modules (a second or two on a busy host), keeps a stop within its deadline."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
