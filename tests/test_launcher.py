"""The one serve command: gunicorn and the SMTP sidecar as real processes, stopped by Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import smtplib
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from app import ROOT
from tests.conftest import free_port
from tests.factories import build_eml


def wait_until_up(check, what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            check()
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{what} never answered")


def test_launcher_runs_web_and_smtp_until_interrupted(tmp_path: Path, settings):
    web_port, smtp_port = free_port(), free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
           "SECRET_KEY": "launcher-test-0123456789abcdef-0123456789", "WEB_PORT": str(web_port),
           "SMTP_PORT": str(smtp_port), "MAIL_DOMAINS": "mayfly.test"}
    if settings.database_url.startswith("postgresql"):
        env["DATABASE_URL"] = settings.database_url
    process = subprocess.Popen([sys.executable, "-m", "app.launcher"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        base = f"http://127.0.0.1:{web_port}/api/v1"
        wait_until_up(lambda: urllib.request.urlopen(f"{base}/domains", timeout=1).read(), "web")
        wait_until_up(lambda: smtplib.SMTP("127.0.0.1", smtp_port, timeout=1).quit(), "SMTP")
        with smtplib.SMTP("127.0.0.1", smtp_port, timeout=10) as smtp:
            smtp.sendmail("a@example.org", ["launch@mayfly.test"],
                          build_eml(to="launch@mayfly.test", subject="Served"))
        with urllib.request.urlopen(f"{base}/mailboxes/launch@mayfly.test/messages") as answer:
            listing = json.load(answer)
        assert [m["subject"] for m in listing["messages"]] == ["Served"]
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=60)
    assert process.returncode == 0, output
    assert f"web  on http://127.0.0.1:{web_port}/" in output
    assert f"SMTP on 127.0.0.1:{smtp_port}" in output
