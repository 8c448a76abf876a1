""""Always show images from <sender>" holds only for mail whose sender DMARC authenticated.

The From header is the sender's own words: a stranger can send "From: news@bank.example" to a
reader who trusted the bank. Here the bank's mail is DKIM-signed with the test's key and
checked against records a stub DNS server publishes (DMARC pass); the forgery carries the
same From header, sent over real SMTP, unsigned (DMARC fail). Outside review: L3.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

import dkim
import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Message
from app.services.checks import auth_results
from tests.factories import build_eml
from tests.mail_auth.stub_dns import stub_dns
from tests.web.helpers import csrf_token

BANK = "news@bank.example"
TRACKER = "https://tracker.example/pixel.gif"
HTML = f'<p>Your statement</p><img src="{TRACKER}" alt="">'
SIGNED = [b"from", b"to", b"subject", b"date", b"message-id"]
REMEMBER = f">Always show images from {BANK}</button>"


@pytest.fixture
def dns(key_pair):
    with stub_dns({
        "bank.example": "v=spf1 -all",  # the bank's mail is known by its signature alone
        "_dmarc.bank.example": "v=DMARC1; p=reject",
        "sel1._domainkey.bank.example": f"v=DKIM1; k=rsa; p={key_pair[1]}",
        "evil.example": "v=spf1 ip4:127.0.0.1 -all",  # the forger's own, passing domain
        "_dmarc.evil.example": "v=DMARC1; p=none",
    }) as stub:
        yield stub


@pytest.fixture
def settings(settings, dns):
    return replace(settings, auth_dns_servers=(dns.server,),
                   auth_dns_timeout=timedelta(seconds=5))


@pytest.fixture
def deliver(app, client, send_mail, key_pair):
    """Send a statement over SMTP (signed by the bank, or not), run the sender checks as the
    SMTP sidecar would, and return the message's public id and its DMARC verdict."""
    count = iter(range(1000))

    def send(*, signed: bool, envelope: str = BANK) -> tuple[int, str]:
        to = f"reader{next(count)}@mayfly.test"
        raw = build_eml(to=to, sender=BANK, subject="Statement", text=None, html=HTML)
        if signed:
            raw = dkim.sign(raw, b"sel1", b"bank.example", key_pair[0],
                            include_headers=SIGNED) + raw
        send_mail(to, raw, sender=envelope)
        with app.app_context():
            assert auth_results.evaluate_pending() == 1
        (summary,) = client.get(f"/api/v1/mailboxes/{to}/messages").json["messages"]
        auth = client.get(f"/api/v1/messages/{summary['id']}").json["authentication"]
        return summary["id"], auth["dmarc"]["result"]

    return send


def page(client, message_id: int) -> str:
    return client.get(f"/m/{message_id}").get_data(as_text=True)


def framed_body(client, message_id: int) -> str:
    """What the page's mail frame loads: the body document at the iframe's own src."""
    (src,) = re.findall(r'<iframe class="mail-frame"[^>]*\bsrc="([^"]+)"', page(client, message_id))
    return client.get(src.replace("&amp;", "&")).get_data(as_text=True)


def remember(client, message_id: int):
    return client.post(f"/m/{message_id}/images",
                       data={"csrf_token": csrf_token(client, f"/m/{message_id}"), "show": "1"})


def test_a_forged_from_header_does_not_load_a_trusted_senders_images(client, deliver):
    real, verdict = deliver(signed=True)
    assert verdict == "pass"
    assert REMEMBER in page(client, real)
    assert remember(client, real).status_code == 303
    assert TRACKER in framed_body(client, real)

    forged, verdict = deliver(signed=False)  # the same From header, no signature
    assert verdict == "fail"
    html = page(client, forged)
    assert "Remote images are blocked" in html and "Remote images are shown" not in html
    assert f'src="/m/{forged}/body"' in html and "body?images=1" not in html
    assert "did not pass DMARC" in html and REMEMBER not in html
    assert TRACKER not in framed_body(client, forged)


def test_a_forger_passing_spf_for_their_own_domain_gains_nothing(client, deliver):
    """Mail from evil.example's own server (SPF pass for the envelope bounce@evil.example)
    with a From header of bank.example. authheaders even calls it a DMARC pass: its Public
    Suffix List knows no `.example`, so it takes bank.example and evil.example for one
    organisation (relaxed alignment). Only the From domain's own identities count here."""
    real, _ = deliver(signed=True)
    assert remember(client, real).status_code == 303
    forged, verdict = deliver(signed=False, envelope="bounce@evil.example")
    assert verdict in ("pass", "fail")
    html = page(client, forged)
    assert "Remote images are blocked" in html and REMEMBER not in html
    assert TRACKER not in framed_body(client, forged)
    assert remember(client, forged).status_code == 403


def test_later_authenticated_mail_from_the_trusted_sender_shows_images(client, deliver):
    first, _ = deliver(signed=True)
    assert remember(client, first).status_code == 303
    later, verdict = deliver(signed=True)
    assert verdict == "pass"
    html = page(client, later)
    assert f"Remote images are shown for everything from {BANK}" in html
    assert f'src="/m/{later}/body?images=1"' in html
    assert TRACKER in framed_body(client, later)


def test_remembering_an_unauthenticated_sender_is_refused_even_by_hand(client, deliver):
    forged, _ = deliver(signed=False)
    assert REMEMBER not in page(client, forged)  # not offered
    answer = remember(client, forged)  # and refused when posted anyway
    assert answer.status_code == 403
    assert "passed DMARC" in answer.get_data(as_text=True)
    # Nothing was recorded: the bank's own authenticated mail still waits to be asked.
    real, _ = deliver(signed=True)
    assert "Remote images are blocked" in page(client, real)
    assert TRACKER not in framed_body(client, real)
    # Showing this one message's images stays possible for any sender.
    assert TRACKER in client.get(f"/m/{forged}/body?images=1").get_data(as_text=True)


def test_a_pass_for_another_domain_than_the_from_address_is_not_trust(app, client, deliver):
    """The verdict must name the From address's own domain: a pass stored for another domain
    (as a second From header could make one) neither earns nor honours the choice."""
    real, _ = deliver(signed=True)
    assert remember(client, real).status_code == 303
    other, _ = deliver(signed=True)
    with app.app_context():
        message = db.session.execute(
            sa.select(Message).where(Message.public_id == other)).scalar_one()
        message.checks.auth = {**message.auth, "dmarc": {**message.auth["dmarc"],
                                                         "domain": "evil.example"}}
        db.session.commit()
    html = page(client, other)
    assert "Remote images are blocked" in html and REMEMBER not in html
    assert TRACKER not in framed_body(client, other)
    assert remember(client, other).status_code == 403


def test_mail_awaiting_its_checks_is_not_trusted_yet(app, client, send_mail, deliver):
    real, _ = deliver(signed=True)
    assert remember(client, real).status_code == 303
    send_mail("waiting@mayfly.test", build_eml(to="waiting@mayfly.test", sender=BANK,
                                               text=None, html=HTML), sender=BANK)
    (summary,) = client.get("/api/v1/mailboxes/waiting@mayfly.test/messages").json["messages"]
    html = page(client, summary["id"])
    assert "Remote images are blocked" in html and "once its checks pass" in html
    assert remember(client, summary["id"]).status_code == 403
