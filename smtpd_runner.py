"""The SMTP sidecar: `python smtpd_runner.py`. Same settings and store as the web app.

Starts SMTP_PROCESSES workers that share SMTP_HOST:SMTP_PORT (SO_REUSEPORT), purges expired
mailboxes every PURGE_INTERVAL, and on SIGTERM or Ctrl-C stops accepting, lets every worker
finish the transactions under way, and exits.
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

from app import create_app
from app.config import ConfigError
from app.services import auth_results, domains, purge, webhook_dispatch
from app.smtp.server import build_controller

log = logging.getLogger("mayfly.smtpd")
WORKER_FLAG = "--worker"
READY_FD = "MAYFLY_READY_FD"  # a worker writes one byte here once it accepts connections
DISPATCH_EVERY = 0.25  # seconds between looks at the webhook outbox
AUTHENTICATE_EVERY = 0.25  # seconds between looks for mail awaiting its verdicts
STOP_SECONDS = 45  # the drain waits 30 s for transactions under way; then some margin


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
    dispatcher.finish(timeout=app.config["MAYFLY"].webhook_timeout.total_seconds())
    dispatcher.close()


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


def _wait_or_kill(worker: subprocess.Popen[bytes]) -> int:
    """A worker gets STOP_SECONDS to drain; one that hangs past it is killed, not waited on."""
    try:
        return worker.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        log.error("SMTP worker %d did not stop in %d s; killing it", worker.pid, STOP_SECONDS)
        worker.kill()
        return worker.wait()


def _count_ready(pipe: int, expected: int, seconds: float = 60) -> int:
    """How many workers said they listen, waiting up to `seconds` for all of them."""
    ready, deadline = 0, time.monotonic() + seconds
    with os.fdopen(pipe, "rb", buffering=0) as reader:
        while ready < expected and time.monotonic() < deadline:
            readable, _, _ = select.select([reader], [], [], max(0, deadline - time.monotonic()))
            chunk = reader.read(expected) if readable else b""
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
    """One SMTP process: serve until told to stop, then drain."""
    settings = app.config["MAYFLY"]
    stop = _stop_event()  # before start: a stop during start-up still drains cleanly
    controller = build_controller(app, settings)
    controller.start()
    ready_fd = os.environ.get(READY_FD)
    if ready_fd:  # tell the parent this worker accepts connections
        os.write(int(ready_fd), b"1")
        os.close(int(ready_fd))
    stop.wait()
    controller.drain()
    controller.stop()
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
    ready = _count_ready(ready_read, len(workers))
    log.info("SMTP listening on %s:%d for %s (%d process%s%s)", settings.smtp_host,
             settings.smtp_port, ", ".join(settings.mail_domains), len(workers),
             "" if len(workers) == 1 else "es",
             "" if ready == len(workers) else f", {ready} ready")
    purger = threading.Thread(target=_purge_forever, daemon=True,
                              args=(app, settings.purge_interval.total_seconds(), stop))
    purger.start()
    dispatcher = threading.Thread(target=_dispatch_forever, args=(app, stop), daemon=True)
    dispatcher.start()
    if settings.auth_results:
        threading.Thread(target=_authenticate_forever, args=(app, stop), daemon=True).start()
    stopped_by_signal = False
    while not (stopped_by_signal := stop.wait(0.5)):
        if any(w.poll() is not None for w in workers):
            log.error("an SMTP worker exited; stopping the others")
            break
    stop.set()  # the purge, the sender checks and the webhook dispatcher end too
    auth_results.stop()
    log.info("stopping: finishing transactions under way")
    for w in workers:
        if w.poll() is None:
            w.send_signal(signal.SIGTERM)
    codes = [_wait_or_kill(w) for w in workers]
    dispatcher.join(timeout=STOP_SECONDS)
    log.info("stopped (worker exit codes %s)", codes)
    # -SIGTERM: a worker stopped while still starting, before it could accept anything.
    return 0 if stopped_by_signal and all(c in (0, -signal.SIGTERM) for c in codes) else 1


if __name__ == "__main__":
    sys.exit(main())
