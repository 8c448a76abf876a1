"""The SMTP sidecar (`python smtpd_runner.py`): the same settings and store as the web app.

Starts SMTP_PROCESSES workers (app/run/smtp_worker.py) that share SMTP_HOST:SMTP_PORT
(SO_REUSEPORT) and runs the periodic jobs of `jobs()` beside them. On SIGTERM or Ctrl-C it
stops accepting, lets every worker finish the transactions under way (for up to
DRAIN_SECONDS), and exits: all of it within STOP_SECONDS, well inside the 10 s
`scripts/serve` (and `docker stop`) allow. A worker whose parent went away stops by itself,
so no worker outlives its sidecar.
"""

from __future__ import annotations

import logging
import os
import select
import signal
import subprocess
import sys
import threading
import time
from functools import partial

from flask import Flask

from app import ROOT, dispose
from app.run.process import open_app, stop_on_signals
from app.run.schedule import Job, Schedule
from app.run.smtp_worker import DRAIN_SECONDS, MODULE, READY_FD
from app.services.checks import auth_results
from app.services.mailbox_life import domains, purge
from app.services.outgoing import webhook_dispatch

log = logging.getLogger("mayfly.smtpd")
DISPATCH_EVERY = 0.25  # seconds between looks at the webhook outbox
AUTHENTICATE_EVERY = 0.25  # seconds between looks for mail awaiting its verdicts
WORKER_CHECK_EVERY = 0.5  # seconds between looks for a worker that exited
STOP_SECONDS = 6.0  # from the stop to every worker gone (killed past it)


def jobs(app: Flask, stop: threading.Event) -> list[Job]:
    """What the sidecar runs beside its workers, one row a job."""
    settings = app.config["MAYFLY"]
    # Webhook deliveries run off the SMTP reply path: a slow receiver never delays SMTP.
    webhooks = webhook_dispatch.Dispatcher(app)
    table = [
        Job("purge", settings.purge_interval.total_seconds(), partial(purge_expired, app)),
        Job("webhooks", DISPATCH_EVERY, webhooks.tick,
            finish=partial(finish_webhooks, webhooks, app)),
    ]
    if settings.auth_results:  # sender checks, off the SMTP reply path (DNS can be slow)
        table.append(Job("sender-checks", AUTHENTICATE_EVERY,
                         partial(authenticate_pending, app, stop)))
    return table


def purge_expired(app: Flask) -> None:
    """Delete the mailboxes expired longer ago than EXPIRED_HOLD."""
    with app.app_context():
        purged = purge.purge_expired(grace=app.config["MAYFLY"].expired_hold)
    if purged:
        log.info("purged %d expired mailbox(es)", purged)


def finish_webhooks(dispatcher: webhook_dispatch.Dispatcher, app: Flask) -> None:
    """Sends under way get the drain's time; one cut short keeps its lease and goes again
    later."""
    dispatcher.finish(timeout=min(DRAIN_SECONDS,
                                  app.config["MAYFLY"].webhook_timeout.total_seconds()))
    dispatcher.close(wait=False)


def authenticate_pending(app: Flask, stop: threading.Event) -> None:
    """SPF, DKIM, DMARC and ARC of stored mail, until none waits (or the stop)."""
    with app.app_context():
        while auth_results.evaluate_pending() and not stop.is_set():
            pass


def watch_workers(workers: list[subprocess.Popen[bytes]], lost: threading.Event,
                  stop: threading.Event) -> None:
    """One worker gone stops the sidecar (and so the others)."""
    if any(w.poll() is not None for w in workers):
        log.error("an SMTP worker exited; stopping the others")
        lost.set()
        stop.set()


def _wait_or_kill(worker: subprocess.Popen[bytes], deadline: float) -> int:
    """A worker drains until `deadline`; one that hangs past it is killed, not waited on."""
    try:
        return worker.wait(timeout=max(0.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        log.error("SMTP worker %d did not stop in %.0f s; killing it", worker.pid, STOP_SECONDS)
        worker.kill()
        return worker.wait()


def _count_ready(pipe: int, expected: int, stop: threading.Event, seconds: float = 60) -> int:
    """How many workers said they listen, waiting up to `seconds` for all of them (or until
    told to stop)."""
    ready, deadline = 0, time.monotonic() + seconds
    with os.fdopen(pipe, "rb", buffering=0) as reader:
        while ready < expected and time.monotonic() < deadline and not stop.is_set():
            wait = min(0.2, max(0, deadline - time.monotonic()))
            readable, _, _ = select.select([reader], [], [], wait)
            if not readable:
                continue
            chunk = reader.read(expected)
            if not chunk:
                break  # every worker exited or closed its end without saying so
            ready += len(chunk)
    return ready


def _start_workers(count: int, stop: threading.Event) -> tuple[list[subprocess.Popen[bytes]], int]:
    """The workers, and how many of them said they listen."""
    ready_read, ready_write = os.pipe()
    workers = [subprocess.Popen([sys.executable, "-m", MODULE], cwd=ROOT,  # noqa: S603
                                pass_fds=(ready_write,),
                                env={**os.environ, READY_FD: str(ready_write)})
               for _ in range(count)]
    os.close(ready_write)
    return workers, _count_ready(ready_read, len(workers), stop)


def main() -> int:
    """Run the workers and the jobs until a stop; the exit code says whether all went well."""
    app = open_app("smtpd")
    if app is None:
        return 2
    settings = app.config["MAYFLY"]
    with app.app_context():
        domains.sync_configured()
    stop = stop_on_signals()
    workers, ready = _start_workers(settings.smtp_processes, stop)
    log.info("SMTP listening on %s:%d for %s (%d process%s%s)", settings.smtp_host,
             settings.smtp_port, ", ".join(settings.mail_domains), len(workers),
             "" if len(workers) == 1 else "es",
             "" if ready == len(workers) else f", {ready} ready")
    lost = threading.Event()
    schedule = Schedule(app, stop)  # each job ends at the stop; dispose joins them
    schedule.start([*jobs(app, stop), Job("worker-watch", WORKER_CHECK_EVERY,
                                          partial(watch_workers, workers, lost, stop))])
    stop.wait()
    stopped_at = time.monotonic()
    auth_results.stop(app)
    log.info("stopping: finishing transactions under way")
    for w in workers:
        if w.poll() is None:
            w.send_signal(signal.SIGTERM)
    codes = [_wait_or_kill(w, stopped_at + STOP_SECONDS) for w in workers]
    # Webhook sends under way get the drain's time too. Sender checks under way (DNS can be
    # slow) are not waited for: their claims lapse and they are taken again.
    schedule.threads["webhooks"].join(
        max(0.0, stopped_at + DRAIN_SECONDS + 0.5 - time.monotonic()))
    dispose(app, timeout=0.2)  # logs what it leaves running
    log.info("stopped (worker exit codes %s)", codes)
    # -SIGTERM: a worker stopped while still starting, before it could accept anything.
    return 0 if not lost.is_set() and all(c in (0, -signal.SIGTERM) for c in codes) else 1
