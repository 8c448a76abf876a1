"""Mayfly as `scripts/serve` runs it, for tests: the launcher with gunicorn's gevent workers,
the SMTP sidecar and the private Redis, as real processes on free ports."""

from __future__ import annotations

import os
import signal
import smtplib
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from app import ROOT
from tests.conftest import free_port

SECRET = "launch-test-0123456789abcdef-0123456789"


@dataclass
class Launch:
    process: subprocess.Popen
    base: str
    smtp_port: int
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self, sig: int = signal.SIGINT, timeout: float = 90) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise


def wait_until_up(check, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            check()
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{what} never answered")


def database_url(folder: Path) -> str:
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{folder / 'serve.db'}"


@contextmanager
def launched(folder: Path, **settings: str) -> Iterator[Launch]:
    """A running Mayfly; `settings` are extra environment variables."""
    web_port, smtp_port = free_port(), free_port()
    env = {**os.environ, "DATABASE_URL": database_url(folder), "SECRET_KEY": SECRET,
           "WEB_PORT": str(web_port), "SMTP_PORT": str(smtp_port), "SMTP_PROCESSES": "1",
           "MCP_PORT": str(free_port()),
           "MAIL_DOMAINS": "mayfly.test", "INSTANCE_PATH": str(folder / "instance"),
           **settings}
    env.pop("RATELIMIT_STORAGE_URI", None) if "RATELIMIT_STORAGE_URI" not in settings else None
    log = folder / "serve.log"
    with log.open("w") as out:
        process = subprocess.Popen([sys.executable, "-m", "app.run.launcher"], cwd=ROOT, env=env,
                                   stdout=out, stderr=subprocess.STDOUT)
    launch = Launch(process, f"http://127.0.0.1:{web_port}", smtp_port, log)
    try:
        wait_until_up(lambda: urllib.request.urlopen(f"{launch.base}/api/v1/domains",
                                                     timeout=2).read(), "web")
        wait_until_up(lambda: smtplib.SMTP("127.0.0.1", smtp_port, timeout=2).quit(), "SMTP")
        yield launch
    finally:
        launch.stop()
