"""The database goes away: SMTP answers 451 (try again), never 250, and resumes by itself.

Needs PostgreSQL's binaries (scripts/test exports TEST_PG_CTL); the test stops and starts a
server of its own, so the suite's shared server keeps serving the other workers' tests.
"""

from __future__ import annotations

import os
import smtplib
import time
from collections.abc import Iterator
from dataclasses import replace

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Message
from app.services.mailbox_life import domains
from app.smtp.server import build_controller
from tests.conftest import _migrate, free_port
from tests.factories import build_eml
from tests.postgres_server import PrivateServer, private_postgres

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not os.environ.get("TEST_PG_CTL"),
                       reason="runs in scripts/test's PostgreSQL pass, which has the binaries"),
]


@pytest.fixture
def own_server() -> Iterator[PrivateServer]:
    with private_postgres() as server:
        yield server


@pytest.fixture
def outage_app(own_server, settings, make_app):
    _migrate(replace(settings, database_url=own_server.url))
    app = make_app(database_url=own_server.url)
    with app.app_context():
        domains.sync_configured()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def outage_smtp(outage_app):
    controller = build_controller(outage_app, outage_app.config["MAYFLY"], "127.0.0.1",
                                  free_port())
    controller.start()
    yield controller
    controller.stop()


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


def test_outage_answers_451_and_recovers(outage_app, outage_smtp, own_server, capsys):
    assert send(outage_smtp, "before") == 250
    own_server.stop()
    try:
        during = [send(outage_smtp, f"during-{i}") for i in range(5)]
    finally:
        own_server.start()
    assert set(during) == {451}, during
    deadline = time.monotonic() + 30
    while (code := send(outage_smtp, "after")) != 250:
        assert time.monotonic() < deadline, f"never recovered: {code}"
        time.sleep(0.5)
    with outage_app.app_context():
        subjects = set(db.session.execute(sa.select(Message.subject)).scalars())
    assert "before" in subjects and "after" in subjects
    assert not any(s.startswith("during") for s in subjects)
    with capsys.disabled():  # CI's log shows the counts
        print(f"\ndatabase outage: {len(during)} messages answered 451 while down, "
              "0 answered 250, resumed by itself")
