"""Nothing lost: SIGKILL the SMTP sidecar at random moments under load, restart it, count.

Every message that got 250 must be stored exactly once and whole; one that did not may be
absent, but never half-stored (a message without its attachment, or a copy too many).
"""

from __future__ import annotations

import os
import random
import signal
import smtplib
import subprocess
import sys
import threading
import time

import sqlalchemy as sa

from app import ROOT
from app.extensions import db
from app.models import Attachment, Message
from tests.conftest import free_port
from tests.factories import build_eml

KILLS = 5
SENDERS = 4
# Each sidecar is killed once it has taken a random few messages (a count, not a time, so a
# slow machine kills as often under as much load), and the last one runs for a few more.
TAKEN_BEFORE_KILL = (3, 8)
TAKEN_AT_THE_END = 6
GENEROUS = 120  # seconds; only bounds a hang


def start_sidecar(settings, port: int) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": settings.database_url, "SMTP_PORT": str(port),
           "SECRET_KEY": settings.secret_key, "MAIL_DOMAINS": "mayfly.test",
           "SMTP_PROCESSES": "2", "MAILBOX_QUOTA": "0"}
    return subprocess.Popen([sys.executable, "smtpd_runner.py"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


def wait_until_listening(port: int, seconds: float = GENEROUS) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            smtplib.SMTP("127.0.0.1", port, timeout=10).quit()
            return
        except (OSError, smtplib.SMTPException):
            time.sleep(0.1)
    raise AssertionError("the sidecar did not come up")


def test_sigkill_under_load_loses_nothing_that_got_250(app, settings, capsys):
    port = free_port()
    accepted: dict[str, bytes] = {}
    attempted = 0
    stop = threading.Event()
    lock = threading.Lock()

    def sender(worker: int) -> None:
        nonlocal attempted
        n = 0
        while not stop.is_set():
            n += 1
            subject = f"w{worker}-n{n}"
            raw = build_eml(to=f"k{worker}@mayfly.test", subject=subject,
                            attachments=[("part.bin", "application/octet-stream",
                                          os.urandom(2000))])
            with lock:
                attempted += 1
            try:
                with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
                    smtp.sendmail("a@example.org", [f"k{worker}@mayfly.test"], raw)
                with lock:
                    accepted[subject] = raw
            except (OSError, smtplib.SMTPException):
                time.sleep(0.05)  # down or refused: try the next message

    def taken(more: int) -> None:
        """Until `more` further messages got 250 from the sidecar now running."""
        with lock:
            target = len(accepted) + more
        deadline = time.monotonic() + GENEROUS
        while True:
            with lock:
                if len(accepted) >= target:
                    return
            assert time.monotonic() < deadline, "the sidecar took no mail"
            time.sleep(0.02)

    sidecar = start_sidecar(settings, port)
    wait_until_listening(port)
    threads = [threading.Thread(target=sender, args=(w,)) for w in range(SENDERS)]
    for thread in threads:
        thread.start()
    try:
        for _ in range(KILLS):
            taken(random.randint(*TAKEN_BEFORE_KILL))  # noqa: S311 - a moment, not a secret
            os.killpg(sidecar.pid, signal.SIGKILL)  # the runner and its workers, mid-flight
            sidecar.wait()
            sidecar = start_sidecar(settings, port)
            wait_until_listening(port)
        taken(TAKEN_AT_THE_END)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
        os.killpg(sidecar.pid, signal.SIGTERM)
        try:
            sidecar.wait(timeout=90)
        except subprocess.TimeoutExpired:  # counting is this test's point; stopping is
            os.killpg(sidecar.pid, signal.SIGKILL)  # tests/smtp/test_runner.py's
            sidecar.wait()

    with app.app_context():
        rows = db.session.execute(
            sa.select(Message.subject, Message.raw, sa.func.count(Attachment.id))
            .outerjoin(Attachment).group_by(Message.id)).all()
    stored: dict[str, list[tuple[bytes, int]]] = {}
    for subject, raw, attachments in rows:
        stored.setdefault(subject, []).append((raw, attachments))
    lost = [s for s in accepted if s not in stored]
    doubled = [s for s, copies in stored.items() if len(copies) > 1]
    half = [s for s, copies in stored.items() if any(n != 1 for _, n in copies)]
    changed = [s for s in accepted if s in stored and stored[s][0][0] != accepted[s]]
    with capsys.disabled():  # CI's log shows the counts
        print(f"\nkill-and-count: attempted {attempted}, got 250 {len(accepted)}, "
              f"stored {len(stored)}, lost {len(lost)}, stored twice {len(doubled)}, "
              f"half-stored {len(half)}, altered {len(changed)}, kills {KILLS}")
    assert len(accepted) > 20, "too little got through to prove anything"
    assert lost == [] and doubled == [] and half == [] and changed == []
