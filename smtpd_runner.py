"""The SMTP sidecar: `python smtpd_runner.py`. Same settings and store as the web app.

Starts aiosmtpd on SMTP_HOST:SMTP_PORT, purges expired mailboxes every PURGE_INTERVAL,
and on SIGTERM or Ctrl-C stops accepting, finishes the transactions under way, and exits.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading

from app import create_app
from app.config import ConfigError
from app.services import domains, mailboxes
from app.smtp.server import build_controller

log = logging.getLogger("mayfly.smtpd")


def _purge_forever(app, interval: float, stop: threading.Event) -> None:  # type: ignore[no-untyped-def]
    while not stop.wait(interval):
        try:
            with app.app_context():
                purged = mailboxes.purge_expired()
            if purged:
                log.info("purged %d expired mailbox(es)", purged)
        except Exception:
            log.exception("purge failed; will try again")


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s smtpd %(levelname)s %(message)s")
    try:
        app = create_app()
    except ConfigError as exc:
        print(f"mayfly: {exc}", file=sys.stderr)
        return 2
    settings = app.config["MAYFLY"]
    with app.app_context():
        domains.sync_configured()
    controller = build_controller(app, settings)
    controller.start()
    log.info("SMTP listening on %s:%d for %s", settings.smtp_host, settings.smtp_port,
             ", ".join(settings.mail_domains))

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    purger = threading.Thread(target=_purge_forever, daemon=True,
                              args=(app, settings.purge_interval.total_seconds(), stop))
    purger.start()
    stop.wait()
    log.info("stopping: finishing transactions under way")
    controller.drain()
    controller.stop()
    log.info("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
