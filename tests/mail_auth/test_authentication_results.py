"""SPF, DKIM, DMARC and ARC verdicts: mail signed with the test's own key, sent over real SMTP
from 127.0.0.1, checked against records a stub DNS server publishes; read over real HTTP."""

from __future__ import annotations

import smtplib
import threading
from dataclasses import replace
from datetime import timedelta

import dkim
import pytest
import requests

from app.services.checks import auth_results
from app.smtp.server import build_controller
from mayfly_client import Mayfly
from tests.conftest import free_port
from tests.factories import build_eml
from tests.launch import launched
from tests.mail_auth.stub_dns import stub_dns

SIGNED = [b"from", b"to", b"subject", b"date", b"message-id"]


@pytest.fixture
def dns(key_pair):
    with stub_dns({
        "example.org": "v=spf1 ip4:127.0.0.1 -all",
        "_dmarc.example.org": "v=DMARC1; p=reject",
        "sel1._domainkey.example.org": f"v=DKIM1; k=rsa; p={key_pair[1]}",
        "bank.example": "v=spf1 -all",
        "_dmarc.bank.example": "v=DMARC1; p=quarantine",
    }) as stub:
        yield stub


@pytest.fixture
def settings(settings, dns):
    return replace(settings, auth_dns_servers=(dns.server,),
                   auth_dns_timeout=timedelta(seconds=5))


def signed(key_pair, *, to: str, sender: str = "alice@example.org", **eml) -> bytes:
    raw = build_eml(to=to, sender=sender, **eml)
    return dkim.sign(raw, b"sel1", b"example.org", key_pair[0], include_headers=SIGNED) + raw


def evaluate(app) -> int:
    """What the SMTP sidecar's parent does a few times a second."""
    with app.app_context():
        return auth_results.evaluate_pending()


def only_message(base: str, address: str) -> dict:
    mayfly = Mayfly(base)
    (summary,) = mayfly.messages(address)
    return mayfly.get_message(summary["id"])


def test_signed_mail_from_an_allowed_host_passes_every_check(app, live_server, send_mail,
                                                            key_pair):
    send_mail("good@mayfly.test", signed(key_pair, to="good@mayfly.test"))
    assert only_message(live_server, "good@mayfly.test")["authentication"]["status"] == "pending"
    assert evaluate(app) == 1
    auth = only_message(live_server, "good@mayfly.test")["authentication"]
    assert auth["status"] == "done"
    assert auth["spf"] == {"result": "pass", "domain": "example.org"}
    assert auth["dkim"] == [{"result": "pass", "domain": "example.org", "selector": "sel1"}]
    assert auth["dmarc"] == {"result": "pass", "domain": "example.org", "policy": "reject"}
    assert auth["arc"] == {"result": "none"}
    assert auth["header"].startswith("Authentication-Results: mayfly.test; spf=pass")
    assert evaluate(app) == 0  # each message is evaluated once


def test_a_changed_body_fails_dkim_and_a_forged_sender_fails_dmarc(app, live_server, send_mail,
                                                                   key_pair):
    tampered = signed(key_pair, to="t@mayfly.test", text="Pay 10 EUR.").replace(b"10 EUR",
                                                                                  b"99 EUR")
    send_mail("t@mayfly.test", tampered)
    send_mail("f@mayfly.test", build_eml(to="f@mayfly.test", sender="ceo@bank.example"),
              sender="ceo@bank.example")
    assert evaluate(app) == 2
    auth = only_message(live_server, "t@mayfly.test")["authentication"]
    assert [s["result"] for s in auth["dkim"]] == ["fail"]
    assert auth["dmarc"]["result"] == "pass"  # SPF passes for example.org, and aligns
    forged = only_message(live_server, "f@mayfly.test")["authentication"]
    assert forged["spf"] == {"result": "fail", "domain": "bank.example"}
    assert forged["dkim"] == []
    assert forged["dmarc"] == {"result": "fail", "domain": "bank.example",
                               "policy": "quarantine"}


def test_listing_filters_and_waits_hold_until_the_verdicts_come(app, live_server, send_mail,
                                                                key_pair):
    address = "flow@mayfly.test"
    send_mail(address, build_eml(to=address, sender="ceo@bank.example", subject="Forged"),
              sender="ceo@bank.example")
    send_mail(address, signed(key_pair, to=address, subject="Genuine"))
    mayfly = Mayfly(live_server)
    assert mayfly.messages(address, dkim="pass") == []  # not evaluated yet: nothing matches
    found: list[dict] = []
    waiter = threading.Thread(target=lambda: found.append(
        mayfly.wait_for_message(address, dkim="pass", timeout=60)))
    waiter.start()
    waiter.join(1)
    assert waiter.is_alive() and not found  # the mail is there, its verdicts are not
    evaluate(app)
    waiter.join(60)
    assert found and found[0]["subject"] == "Genuine"
    assert [m["subject"] for m in mayfly.messages(address, spf="fail")] == ["Forged"]
    assert [m["subject"] for m in mayfly.messages(address, dmarc="pass")] == ["Genuine"]
    answer = requests.get(f"{live_server}/api/v1/mailboxes/{address}/messages",
                          params={"dkim": "maybe"}, timeout=10)
    assert answer.status_code == 422
    assert "dkim must be one of" in answer.json()["error"]["message"]


def test_the_message_page_shows_the_verdicts(app, client, send_mail, key_pair):
    send_mail("page@mayfly.test", signed(key_pair, to="page@mayfly.test"))
    (summary,) = client.get("/api/v1/mailboxes/page@mayfly.test/messages").json["messages"]
    assert "being checked" in client.get(f"/m/{summary['id']}").get_data(as_text=True)
    evaluate(app)
    page = client.get(f"/m/{summary['id']}").get_data(as_text=True)
    assert '<li class="verdict pass">DKIM pass · example.org (sel1)</li>' in page
    assert '<li class="verdict pass">DMARC pass · p=reject</li>' in page


def test_the_open_page_asks_for_the_verdicts_until_they_come(app, client, send_mail, key_pair):
    send_mail("page@mayfly.test", signed(key_pair, to="page@mayfly.test"))
    (summary,) = client.get("/api/v1/mailboxes/page@mayfly.test/messages").json["messages"]
    url = f"/m/{summary['id']}/checks"
    assert f'data-checks="{url}"' in client.get(f"/m/{summary['id']}").get_data(as_text=True)
    assert client.get(url).status_code == 204  # still running
    evaluate(app)
    answer = client.get(url)
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    assert "DKIM pass · example.org (sel1)" in answer.get_data(as_text=True)
    assert client.get("/m/999999999/checks").status_code == 404


def test_the_verdicts_of_a_protected_message_stay_with_its_readers(app, client, send_mail):
    created = client.post("/api/v1/mailboxes", json={"protected": True}).json
    send_mail(created["address"], build_eml(to=created["address"]))
    evaluate(app)
    (summary,) = client.get(f"/api/v1/mailboxes/{created['address']}/messages",
                            headers={"Authorization": f"Bearer {created['token']}"}
                            ).json["messages"]
    assert app.test_client().get(f"/m/{summary['id']}/checks").status_code == 404


def test_malformed_signatures_and_mime_are_verdicts_not_crashes(app, live_server, send_mail):
    broken = (b"DKIM-Signature: v=1; a=rsa-sha256; d=example.org; s=sel1; b=!!!; bh=?\r\n"
              b"DKIM-Signature: garbage\r\n"
              b"From: =?bogus?Q?x?= <@@>\r\nSubject: broken\r\n"
              b"Content-Type: multipart/mixed; boundary=\r\n\r\n--\r\nno end")
    send_mail("odd@mayfly.test", broken)
    assert evaluate(app) == 1
    auth = only_message(live_server, "odd@mayfly.test")["authentication"]
    assert auth["status"] == "done"
    assert [s["result"] for s in auth["dkim"]] in (["permerror", "permerror"],
                                                   ["fail", "permerror"])


def test_turned_off_nothing_is_evaluated(make_app, live_server):
    off = make_app(auth_results=False)
    controller = build_controller(off, off.config["MAYFLY"], "127.0.0.1", free_port())
    controller.start()
    try:
        with smtplib.SMTP("127.0.0.1", controller.port, timeout=10) as smtp:
            smtp.sendmail("alice@example.org", ["off@mayfly.test"],
                          build_eml(to="off@mayfly.test"))
    finally:
        controller.stop()
    assert evaluate(off) == 0
    assert only_message(live_server, "off@mayfly.test")["authentication"] == {
        "status": "off", "spf": None, "dkim": [], "dmarc": None, "arc": None, "header": None}


def test_the_smtp_sidecar_evaluates_in_the_background(tmp_path, dns, key_pair):
    address = f"bg{tmp_path.name[-6:].lower()}@mayfly.test".replace("_", "")
    with launched(tmp_path, AUTH_DNS_SERVERS=dns.server) as launch:
        with smtplib.SMTP("127.0.0.1", launch.smtp_port, timeout=30) as smtp:
            smtp.sendmail("alice@example.org", [address], signed(key_pair, to=address))
        # The client's wait holds until the sidecar has stored the verdicts.
        message = Mayfly(launch.base).wait_for_message(address, dkim="pass", timeout=60)
    assert message["authentication"]["dmarc"]["result"] == "pass"
    assert "sel1._domainkey.example.org" in dns.asked


def test_an_arc_sealed_message_passes_arc_and_a_broken_seal_fails(app, live_server, send_mail,
                                                                  key_pair):
    relayed = (b"Authentication-Results: relay.example.org; spf=pass "
               b"smtp.mailfrom=alice@example.org\r\n" + signed(key_pair, to="arc@mayfly.test"))
    seal = dkim.arc_sign(relayed, b"sel1", b"example.org", key_pair[0], b"relay.example.org")
    send_mail("arc@mayfly.test", b"".join(seal) + relayed)
    broken = (b"ARC-Seal: i=1; a=rsa-sha256; cv=none; d=example.org; s=sel1; b=AAAA\r\n"
              + build_eml(to="broken@mayfly.test"))
    send_mail("broken@mayfly.test", broken)
    assert evaluate(app) == 2
    assert only_message(live_server, "arc@mayfly.test")["authentication"]["arc"] == {
        "result": "pass"}
    assert only_message(live_server, "broken@mayfly.test")["authentication"]["arc"] == {
        "result": "fail"}
