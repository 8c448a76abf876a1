"""The SMTP sidecar as a real process tree: workers sharing the port, clean stop on SIGTERM."""

from __future__ import annotations

import os
import signal
import smtplib
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa

from app import ROOT
from app.extensions import db
from app.models import Message
from tests.conftest import free_port
from tests.factories import build_eml


def test_workers_share_the_port_and_stop_cleanly(app, settings):
    port = free_port()
    env = {**os.environ, "DATABASE_URL": settings.database_url, "SMTP_PORT": str(port),
           "SECRET_KEY": settings.secret_key, "MAIL_DOMAINS": "mayfly.test",
           "SMTP_PROCESSES": "2"}
    runner = subprocess.Popen([sys.executable, "smtpd_runner.py"], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(runner.stdout), daemon=True)
    reader.start()
    try:
        # The runner says it listens once every worker does.
        deadline = time.monotonic() + 60
        while not any("SMTP listening" in line for line in lines):
            assert time.monotonic() < deadline and runner.poll() is None, "never listened"
            time.sleep(0.1)

        def send(i: int) -> dict:
            with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
                return smtp.sendmail("a@example.org", [f"r{i}@mayfly.test"],
                                     build_eml(to=f"r{i}@mayfly.test", subject=f"n{i}"))

        with ThreadPoolExecutor(max_workers=10) as pool:
            assert list(pool.map(send, range(40))) == [{}] * 40
    finally:
        runner.send_signal(signal.SIGTERM)
        runner.wait(timeout=60)
        reader.join(timeout=10)
        output = "".join(lines)
    assert runner.returncode == 0, output
    assert "(2 processes)" in output
    assert "worker exit codes [0, 0]" in output
    with app.app_context():
        subjects = db.session.execute(sa.select(Message.subject)).scalars().all()
    assert sorted(subjects) == sorted(f"n{i}" for i in range(40))
