"""Periodic jobs: a table of rows (name, interval, step) and the one loop that runs each row.

Every job runs in a background thread of its app (app/services/runtime/background.py), named
mayfly-<name>. Between steps it waits on the schedule's stop event and never sleeps, so a
stop ends it at once whatever its interval. A step that raises is logged and the job goes on
with the next one. After the stop the job runs its `finish`, if it has one, to let work under
way end. The stop comes from the process (its signal handler sets the event) or from disposing
the app, whichever is first.

Whatever a process runs beside its listeners starts here: the SMTP sidecar's purge, webhook
and sender-check jobs, each SMTP worker's watch on its parent.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flask import Flask

from app.services.runtime import background

log = logging.getLogger("mayfly.schedule")


@dataclass(frozen=True)
class Job:
    """`step()` every `every` seconds (the first one `every` seconds after the start) until
    the stop, then `finish()` once."""

    name: str
    every: float
    step: Callable[[], object]
    finish: Callable[[], object] | None = None


class Schedule:
    """The jobs one app runs, and the one event that stops them all."""

    def __init__(self, app: Flask, stop: threading.Event | None = None) -> None:
        self.stop = threading.Event() if stop is None else stop
        self._background = background.of(app)
        self._background.on_dispose(self.stop.set)  # disposing the app ends every job
        self.threads: dict[str, threading.Thread] = {}

    def start(self, jobs: Iterable[Job]) -> None:
        """Start each job in a thread of its own; dispose joins them."""
        for job in jobs:
            self.threads[job.name] = self._background.start(job.name, run, job, self.stop)


def run(job: Job, stop: threading.Event) -> None:
    """One job's loop: a step every `job.every` seconds until `stop`, then its finish."""
    while not stop.wait(job.every):
        try:
            job.step()
        except Exception:
            # A step cut short by the stop (its work dropped on purpose) did not fail.
            if not stop.is_set():
                log.exception("%s failed; will try again in %g s", job.name, job.every)
    if job.finish is not None:
        try:
            job.finish()
        except Exception:
            log.exception("%s failed to finish", job.name)
