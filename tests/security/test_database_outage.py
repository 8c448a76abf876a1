"""The database goes away: SMTP answers 451 (try again), never 250, and resumes by itself.

Needs the PostgreSQL server that scripts/test starts (it exports TEST_PG_CTL and friends so
the test can stop and start it); it runs in the suite's PostgreSQL pass.
"""

from __future__ import annotations

import os
import smtplib
import subprocess
import time

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Message
from tests.factories import build_eml

PG_CTL = os.environ.get("TEST_PG_CTL")
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not PG_CTL, reason="runs in scripts/test's PostgreSQL pass, which "
                                          "can stop and start its own server"),
]


def pg_ctl(*args: str) -> None:
    command = [PG_CTL, "-D", os.environ["TEST_PG_DATA"], *args]
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    subprocess.run(command, check=True, capture_output=True, timeout=60)


def send(server, subject: str) -> int:
    """The final SMTP code for one message (250 when stored)."""
    try:
        with smtplib.SMTP(server.hostname, server.port, timeout=30) as smtp:
            smtp.sendmail("a@example.org", ["outage@mayfly.test"],
                          build_eml(to="outage@mayfly.test", subject=subject))
        return 250
    except smtplib.SMTPRecipientsRefused as exc:
        return next(iter(exc.recipients.values()))[0]
    except smtplib.SMTPResponseException as exc:
        return exc.smtp_code


def test_outage_answers_451_and_recovers(app, smtp_server, capsys):
    assert send(smtp_server, "before") == 250
    pg_ctl("-m", "fast", "-w", "stop")
    try:
        during = [send(smtp_server, f"during-{i}") for i in range(5)]
    finally:
        pg_ctl("-w", "-l", os.environ["TEST_PG_LOG"], "-o", os.environ["TEST_PG_OPTIONS"],
               "start")
    assert set(during) == {451}, during
    deadline = time.monotonic() + 30
    while (code := send(smtp_server, "after")) != 250:
        assert time.monotonic() < deadline, f"never recovered: {code}"
        time.sleep(0.5)
    with app.app_context():
        subjects = set(db.session.execute(sa.select(Message.subject)).scalars())
    assert "before" in subjects and "after" in subjects
    assert not any(s.startswith("during") for s in subjects)
    with capsys.disabled():  # CI's log shows the counts
        print(f"\ndatabase outage: {len(during)} messages answered 451 while down, "
              "0 answered 250, resumed by itself")
