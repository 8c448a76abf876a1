"""`scripts/serve`: migrate, then run gunicorn and the SMTP sidecar until Ctrl-C stops both."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from app import ROOT, create_app
from app.config import ConfigError, Settings

WEB_WORKERS = 2
# Threads let a worker hold long-poll (wait=) calls without blocking everyone else.
WEB_THREADS = 8


def main() -> int:
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        print(f"mayfly: {exc}", file=sys.stderr)
        return 2
    _migrate(settings)
    python = sys.executable
    web = subprocess.Popen([  # noqa: S603 - our own interpreter and arguments
        python, "-m", "gunicorn", "wsgi:app", "--bind", f"{settings.web_host}:{settings.web_port}",
        "--workers", str(WEB_WORKERS), "--threads", str(WEB_THREADS), "--worker-class", "gthread",
        "--access-logfile", "-"], cwd=ROOT)
    smtp = subprocess.Popen([python, "smtpd_runner.py"], cwd=ROOT)  # noqa: S603
    print(f"mayfly: web  on http://{settings.web_host}:{settings.web_port}/", flush=True)
    print(f"mayfly: SMTP on {settings.smtp_host}:{settings.smtp_port} "
          f"for {', '.join(settings.mail_domains)}", flush=True)
    print("mayfly: Ctrl-C stops both", flush=True)
    return _supervise([web, smtp])


def _migrate(settings: Settings) -> None:
    from flask_migrate import upgrade

    from app.services import domains

    app = create_app(settings)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        domains.sync_configured()


def _supervise(children: list[subprocess.Popen[bytes]]) -> int:
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    while not stopping and all(child.poll() is None for child in children):
        time.sleep(0.2)
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    for child in children:
        try:
            child.wait(timeout=40)
        except subprocess.TimeoutExpired:
            child.kill()
    failed = [c for c in children if c.returncode not in (0, -signal.SIGTERM)]
    return 0 if stopping and not failed else 1


if __name__ == "__main__":
    os.chdir(ROOT)
    sys.exit(main())
