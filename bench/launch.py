"""Mayfly for a benchmark, started the way `scripts/serve` starts it: the launcher (gunicorn
with gevent workers, the SMTP sidecar, the private Redis) on free ports and a fresh store.
Every benchmark uses this, so each figure is the code path a user runs."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from bench.targets import ROOT, SECRET, free_port, wait_for_port


@dataclass
class Mayfly:
    workdir: Path
    settings: dict[str, str] = field(default_factory=dict)
    web_port: int = field(default_factory=free_port)
    smtp_port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    def env(self) -> dict[str, str]:
        return {**os.environ, "DATABASE_URL": f"sqlite:///{self.workdir / 'mayfly.db'}",
                "SECRET_KEY": SECRET, "MAIL_DOMAINS": "mayfly.test", "MAILBOX_QUOTA": "0",
                "MAX_MESSAGE_SIZE": "20MiB", "PURGE_INTERVAL": "3600s",
                "RATELIMIT_DEFAULT": "100000000 per minute", "INSTANCE_PATH": str(self.workdir),
                "WEB_PORT": str(self.web_port), "SMTP_PORT": str(self.smtp_port), "MCP_PORT": str(free_port()),
                **self.settings}

    def start(self) -> Mayfly:
        self.workdir.mkdir(parents=True, exist_ok=True)
        with (self.workdir / "serve.log").open("wb") as log:  # read it when a run goes wrong
            self.process = subprocess.Popen([sys.executable, "-m", "app.run.launcher"], cwd=ROOT,
                                            env=self.env(), stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        wait_for_port(self.smtp_port, 60)
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(self.base + "/api/v1/domains", timeout=2).read()
                return self
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def pids(self, kind: str) -> list[int]:
        """The process ids of its gunicorn workers ("web") or SMTP workers ("smtp")."""
        parent = {"web": "gunicorn", "smtp": "smtpd_runner.py"}[kind]
        for child in _children(self.process.pid if self.process else 0):
            if parent in Path(f"/proc/{child}/cmdline").read_bytes().decode(errors="replace"):
                return _children(child)
        return []

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=90)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def raise_file_limit() -> None:
    """Thousands of open streams need thousands of sockets in the benchmark process too."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))
