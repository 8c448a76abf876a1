"""The SMTP sidecar: `python smtpd_runner.py`. Same settings and store as the web app.

Starts SMTP_PROCESSES workers that share SMTP_HOST:SMTP_PORT (SO_REUSEPORT), purges expired
mailboxes every PURGE_INTERVAL, and on SIGTERM or Ctrl-C stops accepting, lets every worker
finish the transactions under way (for up to DRAIN_SECONDS), and exits: all of it within
STOP_SECONDS, well inside the 10 s `scripts/serve` (and `docker stop`) allow. A worker whose
parent went away stops by itself, so no worker outlives its sidecar.
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

from app import create_app, dispose
from app.config import ConfigError
from app.services.checks import auth_results
from app.services.mailbox_life import domains, purge
from app.services.outgoing import webhook_dispatch
from app.services.runtime import background
from app.smtp.server import build_controller

log = logging.getLogger("mayfly.smtpd")
WORKER_FLAG = "--worker"
READY_FD = "MAYFLY_READY_FD"  # a worker writes one byte here once it accepts connections
DISPATCH_EVERY = 0.25  # seconds between looks at the webhook outbox
AUTHENTICATE_EVERY = 0.25  # seconds between looks for mail awaiting its verdicts
DRAIN_SECONDS = 4.0  # a stop lets the transactions under way finish this long
STOP_SECONDS = 6.0  # from the stop to every worker gone (killed past it)
PARENT_CHECK_EVERY = 1.0  # seconds between a worker's looks for its parent


def _purge_forever(app, interval: float, stop: threading.Event) -> None:  # type: ignore[no-untyped-def]
    while not stop.wait(interval):
        try:
            with app.app_context():
                purged = purge.purge_expired(grace=app.config["MAYFLY"].expired_hold)
            if purged:
                log.info("purged %d expired mailbox(es)", purged)
        except Exception:
            log.exception("purge failed; will try again")


def _dispatch_forever(app, stop: threading.Event) -> None:  # type: ignore[no-untyped-def]
    """Webhook deliveries, off the SMTP reply path: a slow receiver never delays SMTP."""
    dispatcher = webhook_dispatch.Dispatcher(app)
    while not stop.wait(DISPATCH_EVERY):
        try:
            dispatcher.tick()
        except Exception:
            log.exception("webhook dispatch failed; will try again")
    # Sends under way get the drain's time; one cut short keeps its lease and goes again later.
    dispatcher.finish(timeout=min(DRAIN_SECONDS,
                                  app.config["MAYFLY"].webhook_timeout.total_seconds()))
    dispatcher.close(wait=False)


def _authenticate_forever(app, stop: threading.Event) -> None:  # type: ignore[no-untyped-def]
    """SPF, DKIM, DMARC and ARC of stored mail, off the SMTP reply path (DNS can be slow)."""
    while not stop.wait(AUTHENTICATE_EVERY):
        try:
            with app.app_context():
                while auth_results.evaluate_pending() and not stop.is_set():
                    pass  # until nothing waits
        except Exception:
            if not stop.is_set():  # at a stop, evaluations not yet started are dropped
                log.exception("authentication results failed; will try again")


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


def _stop_event() -> threading.Event:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    return stop


def worker(app) -> int:  # type: ignore[no-untyped-def]
    """One SMTP process: serve until told to stop (or until the sidecar is gone), then drain."""
    settings = app.config["MAYFLY"]
    stop = _stop_event()  # before start: a stop during start-up still drains cleanly
    parent = os.getppid()
    controller = build_controller(app, settings)
    controller.start()
    ready_fd = os.environ.get(READY_FD)
    if ready_fd:  # tell the parent this worker accepts connections
        os.write(int(ready_fd), b"1")
        os.close(int(ready_fd))
    while not stop.wait(PARENT_CHECK_EVERY):
        if os.getppid() != parent:
            log.error("the SMTP sidecar went away; this worker stops")
            break
    controller.drain(DRAIN_SECONDS)
    controller.stop()
    dispose(app, timeout=1.0)
    return 0


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s smtpd %(levelname)s %(message)s")
    # aiosmtpd logs every SMTP command at INFO: a fifth of a busy worker's time. Warnings stay.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    try:
        app = create_app()
    except ConfigError as exc:
        print(f"mayfly: {exc}", file=sys.stderr)
        return 2
    if WORKER_FLAG in sys.argv:
        return worker(app)
    settings = app.config["MAYFLY"]
    with app.app_context():
        domains.sync_configured()
    stop = _stop_event()
    ready_read, ready_write = os.pipe()
    workers = [subprocess.Popen([sys.executable, __file__, WORKER_FLAG],  # noqa: S603
                                pass_fds=(ready_write,),
                                env={**os.environ, READY_FD: str(ready_write)})
               for _ in range(settings.smtp_processes)]
    os.close(ready_write)
    ready = _count_ready(ready_read, len(workers), stop)
    log.info("SMTP listening on %s:%d for %s (%d process%s%s)", settings.smtp_host,
             settings.smtp_port, ", ".join(settings.mail_domains), len(workers),
             "" if len(workers) == 1 else "es",
             "" if ready == len(workers) else f", {ready} ready")
    tasks = background.of(app)  # each loop ends at the stop; dispose joins them
    tasks.start("purge", _purge_forever, app, settings.purge_interval.total_seconds(), stop)
    webhooks = tasks.start("webhooks", _dispatch_forever, app, stop)
    if settings.auth_results:
        tasks.start("sender-checks", _authenticate_forever, app, stop)
    stopped_by_signal = False
    while not (stopped_by_signal := stop.wait(0.5)):
        if any(w.poll() is not None for w in workers):
            log.error("an SMTP worker exited; stopping the others")
            break
    stop.set()  # the purge, the sender checks and the webhook dispatcher end too
    stopped_at = time.monotonic()
    auth_results.stop(app)
    log.info("stopping: finishing transactions under way")
    for w in workers:
        if w.poll() is None:
            w.send_signal(signal.SIGTERM)
    codes = [_wait_or_kill(w, stopped_at + STOP_SECONDS) for w in workers]
    # Webhook sends under way get the drain's time too. Sender checks under way (DNS can be
    # slow) are not waited for: their claims lapse and they are taken again.
    webhooks.join(max(0.0, stopped_at + DRAIN_SECONDS + 0.5 - time.monotonic()))
    dispose(app, timeout=0.2)  # logs what it leaves running
    log.info("stopped (worker exit codes %s)", codes)
    # -SIGTERM: a worker stopped while still starting, before it could accept anything.
    return 0 if stopped_by_signal and all(c in (0, -signal.SIGTERM) for c in codes) else 1


def _exit(code: int) -> None:
    """Exit now: everything was stopped and closed already. Not waiting for a send or a
    sender check still under way, nor for the interpreter's teardown of the app's modules
    (a second or two on a busy host), keeps the whole stop within STOP_SECONDS."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    _exit(main())
