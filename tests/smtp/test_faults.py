"""Faults on demand, per mailbox, over real SMTP: a sender that retries meets exactly the
failures its test asked for, and nobody else's mailbox notices."""

from __future__ import annotations

import smtplib
import time

import pytest

from app.services.mailbox_life import mailboxes
from tests.factories import build_eml
from tests.web.helpers import csrf_token
from tests.web.login import log_in

API = "/api/v1"


@pytest.fixture
def owner(client, app, make_user, api_key_for):
    user_id = make_user("tester@example.org")
    with app.app_context():
        mailboxes.create_mailbox("flaky", owner_id=user_id)
        mailboxes.create_mailbox("steady", owner_id=user_id)
    return {"Authorization": f"Bearer {api_key_for('tester@example.org')}"}


def rule(client, auth, address="flaky@mayfly.test", **body) -> dict:
    answer = client.post(f"{API}/mailboxes/{address}/faults", headers=auth, json=body)
    assert answer.status_code == 201, answer.json
    return answer.json


def send_with_retries(server, to: str, attempts: int = 5) -> list[str]:
    """A sender that retries temporary failures, as an MTA or a job queue would."""
    outcomes = []
    for _ in range(attempts):
        try:
            with smtplib.SMTP(server.hostname, server.port, timeout=30) as smtp:
                smtp.sendmail("app@example.org", [to], build_eml(to=to, subject="Retry me"))
            outcomes.append("250")
            return outcomes
        except smtplib.SMTPRecipientsRefused as refused:
            outcomes.append(str(refused.recipients[to][0]))
        except smtplib.SMTPDataError as refused:
            outcomes.append(str(refused.smtp_code))
        except smtplib.SMTPServerDisconnected:
            outcomes.append("dropped")
    return outcomes


def stored(client, auth, address="flaky@mayfly.test") -> int:
    return len(client.get(f"{API}/mailboxes/{address}/messages", headers=auth).json["messages"])


def test_refused_at_rcpt_then_accepted(client, owner, smtp_server):
    made = rule(client, owner, kind="refuse_rcpt", code=451, count=2)
    assert send_with_retries(smtp_server, "flaky@mayfly.test") == ["451", "451", "250"]
    assert send_with_retries(smtp_server, "steady@mayfly.test") == ["250"]  # untouched
    (report,) = client.get(f"{API}/mailboxes/flaky@mayfly.test/faults", headers=owner
                           ).json["faults"]
    assert (report["id"], report["remaining"], report["fired"]) == (made["id"], 0, 2)
    assert report["last_fired_at"] is not None
    assert stored(client, owner) == 1


def test_refused_after_data_and_permanent_codes(client, owner, smtp_server):
    rule(client, owner, kind="refuse_data", code=554, count=1)
    assert send_with_retries(smtp_server, "flaky@mayfly.test", attempts=1) == ["554"]
    assert stored(client, owner) == 0
    assert send_with_retries(smtp_server, "flaky@mayfly.test") == ["250"]


def test_connection_dropped_in_data_stores_nothing(client, owner, smtp_server):
    rule(client, owner, kind="drop", count=1)
    assert send_with_retries(smtp_server, "flaky@mayfly.test") == ["dropped", "250"]
    assert stored(client, owner) == 1


def test_final_reply_delayed(client, owner, smtp_server):
    rule(client, owner, kind="delay", seconds=2, count=1)
    started = time.monotonic()
    assert send_with_retries(smtp_server, "flaky@mayfly.test") == ["250"]
    assert time.monotonic() - started >= 2  # held at least as long as asked
    assert stored(client, owner) == 1


def test_rules_belong_to_their_owner(client, owner, make_user, api_key_for):
    make_user("stranger@example.org")
    stranger = {"Authorization": f"Bearer {api_key_for('stranger@example.org')}"}
    answer = client.post(f"{API}/mailboxes/flaky@mayfly.test/faults", headers=stranger,
                         json={"kind": "drop"})
    assert answer.status_code == 404
    assert client.get(f"{API}/mailboxes/flaky@mayfly.test/faults").status_code == 401
    for body in ({"kind": "nope"}, {"kind": "refuse_rcpt", "code": 250},
                 {"kind": "delay", "seconds": 0}, {"kind": "drop", "count": 0}):
        assert client.post(f"{API}/mailboxes/flaky@mayfly.test/faults", headers=owner,
                           json=body).status_code == 422
    made = rule(client, owner, kind="drop")
    assert client.delete(f"{API}/mailboxes/flaky@mayfly.test/faults/{made['id']}",
                         headers=stranger).status_code == 404
    assert client.delete(f"{API}/mailboxes/flaky@mayfly.test/faults/{made['id']}",
                         headers=owner).status_code == 204


def test_dashboard_adds_and_deletes_rules(client, owner, smtp_server):
    log_in(client, "tester@example.org")
    answer = client.post("/account/faults", data={
        "csrf_token": csrf_token(client, "/account"), "mailbox": "flaky@mayfly.test",
        "kind": "refuse_rcpt", "code": "421", "count": "1"})
    assert answer.status_code == 303
    assert send_with_retries(smtp_server, "flaky@mayfly.test") == ["421", "250"]
    page = client.get("/account").get_data(as_text=True)
    assert 'id="faults-heading"' in page and "refuse rcpt 421" in page
    (made,) = client.get(f"{API}/mailboxes/flaky@mayfly.test/faults", headers=owner
                         ).json["faults"]
    assert made["fired"] == 1
    bad = client.post("/account/faults", data={
        "csrf_token": csrf_token(client, "/account"), "mailbox": "flaky@mayfly.test",
        "kind": "delay", "count": "1"})
    assert bad.status_code == 422 and "A delay needs seconds" in bad.get_data(as_text=True)
    gone = client.post(f"/account/faults/{made['id']}/delete", data={
        "csrf_token": csrf_token(client, "/account"), "mailbox": "flaky@mayfly.test"})
    assert gone.status_code == 303
    assert client.get(f"{API}/mailboxes/flaky@mayfly.test/faults", headers=owner
                      ).json["faults"] == []


def faults_by_kind(client, auth, address="flaky@mayfly.test") -> dict[str, dict]:
    answer = client.get(f"{API}/mailboxes/{address}/faults", headers=auth)
    return {made["kind"]: made for made in answer.json["faults"]}


def test_a_delivery_meets_one_data_rule_a_refusal_before_an_older_delay(
        client, owner, smtp_server):
    rule(client, owner, kind="delay", seconds=1, count=1)
    rule(client, owner, kind="refuse_data", code=554, count=1)
    assert send_with_retries(smtp_server, "flaky@mayfly.test", attempts=1) == ["554"]
    fired = {kind: made["fired"] for kind, made in faults_by_kind(client, owner).items()}
    assert fired == {"refuse_data": 1, "delay": 0}  # the delay waits for the next delivery
    assert stored(client, owner) == 0


def test_a_message_refused_for_its_lines_leaves_the_rules_for_the_next(
        client, owner, smtp_server):
    """DATA rules fire once the message has arrived whole, not for one that never did."""
    rule(client, owner, kind="drop", count=1)
    too_long = b"Subject: one long line\r\n\r\n" + b"x" * (70 * 1024) + b"\r\n"
    with smtplib.SMTP(smtp_server.hostname, smtp_server.port, timeout=30) as smtp, \
            pytest.raises(smtplib.SMTPDataError) as refused:
        smtp.sendmail("app@example.org", ["flaky@mayfly.test"], too_long)
    assert refused.value.smtp_code == 500
    assert faults_by_kind(client, owner)["drop"]["fired"] == 0
    assert send_with_retries(smtp_server, "flaky@mayfly.test") == ["dropped", "250"]
