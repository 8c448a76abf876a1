"""What one message's sender checks may cost is bounded whatever its sender wrote: ARC sets
past RFC 8617's 50 fail unverified, and all its checks together get one budget of lookups
and of time, past which every further lookup is a temperror at once. Against a stub DNS."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import dkim
import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Mailbox, Message, MessageChecks
from app.services.checks import auth_checks, auth_results
from tests.factories import build_eml
from tests.mail_auth.stub_dns import stub_dns

TIMEOUT = 0.5  # seconds a silent name holds one lookup


@pytest.fixture
def dns(key_pair):
    with stub_dns({
        "example.org": "v=spf1 ip4:127.0.0.1 -all",
        "_dmarc.example.org": "v=DMARC1; p=reject",
    }) as stub:
        for n in range(60):
            stub.txt[f"s{n}._domainkey.example.org"] = f"v=DKIM1; k=rsa; p={key_pair[1]}"
        auth_checks.use_dns((stub.server,), TIMEOUT)
        yield stub


def check(raw: bytes) -> dict:
    return auth_checks.evaluate(auth_checks.Envelope(raw, "127.0.0.1", "mx.example.org",
                                                     "alice@example.org"), "mayfly.test", TIMEOUT)


def signed_many(key_pair, count: int, selector: str = "s{n}") -> bytes:
    raw = build_eml(to="x@mayfly.test", sender="alice@example.org", subject="Signed")
    signatures = b"".join(
        dkim.sign(raw, selector.format(n=n).encode(), b"example.org", key_pair[0],
                  include_headers=[b"from", b"subject"]) for n in range(count))
    return signatures + raw


def test_arc_sets_past_fifty_fail_unverified(dns):
    raw = build_eml(to="x@mayfly.test", sender="alice@example.org")
    sets = b"".join(
        b"ARC-Seal: i=%d; a=rsa-sha256; cv=pass; d=example.org; s=s%d; b=AAAA\r\n"
        b"ARC-Message-Signature: i=%d; a=rsa-sha256; d=example.org; s=s%d; h=from; bh=AA; b=AA\r\n"
        b"ARC-Authentication-Results: i=%d; relay.example.org; spf=pass\r\n" % (i, i, i, i, i)
        for i in range(1, auth_checks.MAX_ARC_SETS + 2))
    found = check(sets + raw)
    assert found["arc"] == {"result": "fail"}
    assert not [name for name in dns.asked if name.startswith("s")]  # no key was looked up


def test_signatures_past_the_cap_are_not_checked(dns, key_pair):
    found = check(signed_many(key_pair, auth_checks.MAX_SIGNATURES + 5))
    assert len(found["dkim"]) == auth_checks.MAX_SIGNATURES
    assert len({n for n in dns.asked if "_domainkey" in n}) <= auth_checks.MAX_SIGNATURES


def test_lookups_past_the_budget_are_temperrors_at_once(dns, key_pair, monkeypatch):
    monkeypatch.setattr(auth_checks, "DNS_QUERIES", 4)
    found = check(signed_many(key_pair, 8))
    assert len(dns.asked) <= 4
    results = [s["result"] for s in found["dkim"]]
    assert "temperror" in results  # the signatures past the budget
    assert results.count("pass") <= 4


def test_names_that_never_answer_use_up_the_time_budget_not_more(dns, key_pair):
    """Keys that never resolve hold one lookup each until the message's time is spent; the
    lookups after that are not sent at all."""
    dns.silent.update(f"s{n}._domainkey.example.org" for n in range(10))
    found = check(signed_many(key_pair, 10))
    assert [s["result"] for s in found["dkim"]] == ["temperror"] * 10
    silent_asked = {name for name in dns.asked if name in dns.silent}
    assert len(silent_asked) <= auth_checks.MESSAGE_TIMEOUTS + 1


def test_a_slow_message_holds_up_no_other_of_its_batch(send_mail, key_pair, make_app):
    """Its verdicts are stored as they come: a message whose key lookup hangs (10 s here)
    does not keep the verdicts of the rest of its batch from their readers."""
    with stub_dns({"example.org": "v=spf1 ip4:127.0.0.1 -all",
                   "_dmarc.example.org": "v=DMARC1; p=reject",
                   "s0._domainkey.example.org": f"v=DKIM1; k=rsa; p={key_pair[1]}"}) as stub:
        stub.silent.add("s1._domainkey.example.org")
        send_mail("slow@mayfly.test", signed_many(key_pair, 1, selector="s1"))
        send_mail("fast@mayfly.test", signed_many(key_pair, 1))
        checking = make_app(auth_dns_servers=(stub.server,),
                            auth_dns_timeout=timedelta(seconds=10))

        def pending(address: str) -> bool:
            with checking.app_context():
                return db.session.execute(
                    sa.select(MessageChecks.auth_pending)
                    .join(Message, Message.id == MessageChecks.message_id)
                    .join(Mailbox, Mailbox.id == Message.mailbox_id)
                    .where(Mailbox.address == address)).scalar_one()

        def evaluate() -> None:
            with checking.app_context():
                auth_results.evaluate_pending()

        worker = threading.Thread(target=evaluate)
        worker.start()
        try:
            deadline = time.monotonic() + 60
            while pending("fast@mayfly.test"):
                assert time.monotonic() < deadline, "the fast message's verdicts never came"
                time.sleep(0.05)
            assert pending("slow@mayfly.test")  # still waiting for its key
        finally:
            worker.join(120)
    assert not pending("slow@mayfly.test")
