"""The SMTP sidecar as a real process tree: workers sharing the port, clean stop on SIGTERM
(transactions under way finish, then every worker is gone, promptly), and workers that stop
by themselves when the sidecar is killed."""

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
from tests.processes import MARK, gone_within, marked, new_mark, refused


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


class Runner:
    """`python smtpd_runner.py` on a free port, its output collected; every process of it
    carries a mark."""

    def __init__(self, settings, processes: int) -> None:
        self.port, self.mark = free_port(), new_mark()
        env = {**os.environ, "DATABASE_URL": settings.database_url, "SMTP_PORT": str(self.port),
               "SECRET_KEY": settings.secret_key, "MAIL_DOMAINS": "mayfly.test",
               "SMTP_PROCESSES": str(processes), MARK: self.mark}
        self.process = subprocess.Popen([sys.executable, "smtpd_runner.py"], cwd=ROOT, env=env,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        text=True)
        self.lines: list[str] = []
        self._reader = threading.Thread(target=lambda: self.lines.extend(self.process.stdout),
                                        daemon=True)
        self._reader.start()
        deadline = time.monotonic() + 90
        while not any("SMTP listening" in line for line in self.lines):
            assert time.monotonic() < deadline and self.process.poll() is None, self.output()
            time.sleep(0.1)

    def output(self) -> str:
        return "".join(self.lines)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=30)
        self._reader.join(timeout=10)


def test_a_stop_lets_the_transaction_under_way_finish_then_leaves_nothing(app, settings):
    runner = Runner(settings, processes=2)
    try:
        with smtplib.SMTP("127.0.0.1", runner.port, timeout=30) as smtp:
            smtp.ehlo()
            smtp.mail("a@example.org")
            smtp.rcpt("late@mayfly.test")
            assert smtp.docmd("DATA")[0] == 354
            smtp.send(b"Subject: under way\r\n\r\nfirst half\r\n")
            runner.process.send_signal(signal.SIGTERM)
            time.sleep(0.5)  # draining by now, most likely; either way this must finish
            smtp.send(b"second half\r\n.\r\n")
            assert smtp.getreply()[0] == 250  # the drain let it finish
        code = runner.process.wait(timeout=60)
    finally:
        runner.close()
    assert code == 0, runner.output()
    # Every worker drained and stopped by itself, none killed at STOP_SECONDS: the stop kept
    # its own deadline (a count of what happened, not a stopwatch on a busy machine).
    assert "worker exit codes [0, 0]" in runner.output(), runner.output()
    # A stop that waited on something unbounded would hang: process.wait(timeout=60) fails it.
    assert marked(runner.mark) == []  # no worker outlived the sidecar
    assert refused(runner.port)
    with app.app_context():
        subjects = db.session.execute(sa.select(Message.subject)).scalars().all()
    assert subjects == ["under way"]


def test_workers_stop_by_themselves_when_the_sidecar_is_killed(settings):
    runner = Runner(settings, processes=2)
    try:
        assert len(marked(runner.mark)) == 3  # the sidecar and its two workers
        runner.process.kill()  # nothing forwards a stop to the workers
        assert gone_within(runner.mark, 60) == []  # in seconds; the deadline bounds a hang
        assert refused(runner.port)
    finally:
        runner.close()
