"""One SMTP transaction to several recipients: each tenant's copy is its own, over real SMTP.

- Copies add up against a mailbox's quota and its owner's plan (plus-address tags could put
  85 MiB into a 1 MiB mailbox when each copy was checked against the room before the others).
- A copy keeps only the envelope recipients of its own mailbox (no tenant reads another's Bcc).
- A mailbox with fault rules never shares a transaction (its rules would fail the others' mail).
"""

from __future__ import annotations

import smtplib
from dataclasses import replace

import pytest

from app.services.accounts.users import find_by_email
from app.services.mailbox_life import mailboxes
from tests.factories import build_eml

API = "/api/v1"
QUOTA = 10_000


@pytest.fixture
def settings(settings):
    return replace(settings, mailbox_quota=QUOTA)


def sendmail(server, recipients: list[str], raw: bytes) -> dict:
    with smtplib.SMTP(server.hostname, server.port, timeout=30) as smtp:
        return smtp.sendmail("app@example.org", recipients, raw)


def padded(size: int, to: str) -> bytes:
    raw = build_eml(to=to, subject="Padded", text="x")
    return raw + b"y" * (size - len(raw)) + b"\r\n"


def count(client, address: str, auth: dict | None = None) -> int:
    answer = client.get(f"{API}/mailboxes/{address}/messages", headers=auth or {})
    return len(answer.json["messages"]) if answer.status_code == 200 else 0


def test_plus_address_copies_add_up_against_the_mailbox_quota(client, smtp_server):
    raw = padded(4_000, "q@mayfly.test")
    tags = ["q+1@mayfly.test", "q+2@mayfly.test", "q+3@mayfly.test"]
    with pytest.raises(smtplib.SMTPDataError) as refused:
        sendmail(smtp_server, tags, raw)
    assert refused.value.smtp_code == 552
    assert count(client, "q@mayfly.test") == 0  # nothing for anyone
    sendmail(smtp_server, tags[:2], raw)  # two copies fit
    assert count(client, "q@mayfly.test") == 2


def test_copies_to_one_owners_mailboxes_add_up_against_their_plan(app, client, smtp_server,
                                                                   make_user, api_key_for):
    user_id = make_user("owner@example.org")
    with app.app_context():
        find_by_email("owner@example.org").plan_storage = 6_000
        from app.extensions import db
        db.session.commit()
        mailboxes.create_mailbox("one", owner_id=user_id)
        mailboxes.create_mailbox("two", owner_id=user_id)
    auth = {"Authorization": f"Bearer {api_key_for('owner@example.org')}"}
    raw = padded(4_000, "one@mayfly.test")
    with pytest.raises(smtplib.SMTPDataError) as refused:
        sendmail(smtp_server, ["one@mayfly.test", "two@mayfly.test"], raw)
    assert refused.value.smtp_code == 552
    assert count(client, "one@mayfly.test", auth) == count(client, "two@mayfly.test", auth) == 0


def test_a_copy_keeps_only_its_own_mailboxs_envelope_recipients(client, smtp_server):
    sendmail(smtp_server, ["alice@mayfly.test", "alice+news@mayfly.test", "bob@mayfly.test"],
             build_eml(to="alice@mayfly.test", subject="Bcc to bob"))
    copies = {}
    for address in ("alice@mayfly.test", "bob@mayfly.test"):
        for summary in client.get(f"{API}/mailboxes/{address}/messages").json["messages"]:
            message = client.get(f"{API}/messages/{summary['id']}").json
            copies.setdefault(address, []).append(sorted(message["envelope"]["to"]))
    assert copies["alice@mayfly.test"] == [["alice+news@mayfly.test", "alice@mayfly.test"]] * 2
    assert copies["bob@mayfly.test"] == [["bob@mayfly.test"]]
    # Search reads the recipients a copy keeps: alice's copies do not name bob.
    found = client.get(f"{API}/search", query_string={"q": "to:bob", "mailbox": "alice@mayfly.test"})
    assert found.status_code == 200, found.json
    assert found.json["messages"] == []
    found = client.get(f"{API}/search", query_string={"q": "to:bob", "mailbox": "bob@mayfly.test"})
    assert len(found.json["messages"]) == 1


@pytest.fixture
def faulty(client, app, make_user, api_key_for):
    user_id = make_user("tester@example.org")
    with app.app_context():
        mailboxes.create_mailbox("flaky", owner_id=user_id)
    auth = {"Authorization": f"Bearer {api_key_for('tester@example.org')}"}
    answer = client.post(f"{API}/mailboxes/flaky@mayfly.test/faults", headers=auth,
                         json={"kind": "refuse_data", "code": 554, "count": 5})
    assert answer.status_code == 201, answer.json
    return auth


@pytest.mark.parametrize("order", ["faulty first", "faulty last"])
def test_a_mailbox_with_fault_rules_never_shares_a_transaction(client, smtp_server, faulty,
                                                               order):
    recipients = ["bystander@mayfly.test", "flaky@mayfly.test"]
    if order == "faulty first":
        recipients.reverse()
    # The later recipient is told to come back in a transaction of its own; the first one's
    # transaction goes ahead alone (the faulty mailbox's rule refuses its own DATA).
    with smtplib.SMTP(smtp_server.hostname, smtp_server.port, timeout=30) as smtp:
        smtp.ehlo()
        smtp.mail("app@example.org")
        assert smtp.rcpt(recipients[0])[0] == 250
        assert smtp.rcpt(recipients[1]) == (452, b"4.5.3 Send to this recipient in a separate "
                                                 b"transaction")
        code, _ = smtp.data(build_eml(to=recipients[0], subject="Mixed"))
    assert code == (554 if order == "faulty first" else 250)
    assert count(client, "bystander@mayfly.test") == (1 if order == "faulty last" else 0)
    # Sent alone, the bystander's mail is stored whatever the other mailbox's rules say.
    sendmail(smtp_server, ["bystander@mayfly.test"], build_eml(to="bystander@mayfly.test"))
    assert count(client, "bystander@mayfly.test") == (2 if order == "faulty last" else 1)


def test_tags_of_a_faulty_mailbox_still_share_its_transaction(client, smtp_server, faulty):
    with pytest.raises(smtplib.SMTPDataError) as refused:
        sendmail(smtp_server, ["flaky+a@mayfly.test", "flaky+b@mayfly.test"],
                 build_eml(to="flaky@mayfly.test"))
    assert refused.value.smtp_code == 554  # the rule's own answer, for its own mailbox only


@pytest.fixture
def capped(make_app):
    """A server whose transactions may store 100 KB in all (size times copies)."""
    from app.smtp.server import build_controller
    from tests.conftest import free_port

    app = make_app(mailbox_quota=0, smtp_max_transaction_bytes=100_000)
    controller = build_controller(app, app.config["MAYFLY"], "127.0.0.1", free_port())
    controller.start()
    yield controller
    controller.stop()


def test_a_declared_size_splits_a_transaction_that_would_store_too_much(client, capped):
    recipients = ["cap1@mayfly.test", "cap2@mayfly.test", "cap3@mayfly.test"]
    # smtplib declares SIZE= because Mayfly advertises it: two copies of 40 KB fit, a third
    # is told to come back in a transaction of its own.
    refused = sendmail(capped, recipients, padded(40_000, recipients[0]))
    assert list(refused) == ["cap3@mayfly.test"] and refused["cap3@mayfly.test"][0] == 452
    assert [count(client, a) for a in recipients] == [1, 1, 0]
    sendmail(capped, recipients[2:], padded(40_000, recipients[2]))
    assert count(client, recipients[2]) == 1


def test_an_undeclared_size_over_the_cap_is_refused_whole(client, capped):
    recipients = ["big1@mayfly.test", "big2@mayfly.test", "big3@mayfly.test"]
    with smtplib.SMTP(capped.hostname, capped.port, timeout=30) as smtp:
        smtp.ehlo()
        assert smtp.mail("app@example.org")[0] == 250  # no SIZE= declared
        assert all(smtp.rcpt(r)[0] == 250 for r in recipients)
        code, reply = smtp.data(padded(40_000, recipients[0]))
    assert (code, reply[:5]) == (552, b"5.3.4")
    assert [count(client, a) for a in recipients] == [0, 0, 0]
