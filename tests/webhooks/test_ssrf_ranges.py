"""Webhook destinations in the special ranges Python's `is_global` lets through, or that lead
somewhere else (6to4 carrying an internal IPv4 address, Teredo, NAT64, site-local, DS-Lite,
shared and benchmarking space), are refused: written into the URL, behind a host name, and
through the dashboard's form; with the operator's consent to private destinations too."""

from __future__ import annotations

import pytest

from app.services.errors import InvalidInput
from app.services.outgoing import outbound, webhooks
from tests.web.helpers import csrf_token
from tests.web.login import log_in

# The review's four, then the rest of the ranges.
FOUND = ["2002:7f00:1::1",  # 6to4 carrying 127.0.0.1
         "2002:a9fe:a9fe::1",  # 6to4 carrying 169.254.169.254 (cloud metadata)
         "fec0::1",  # site-local
         "192.0.0.8"]  # IETF protocol assignments (DS-Lite)
NEVER = [
    "2002:a9fe:a9fe:0:0:0:a9fe:a9fe", "2002:0a00:0001::1", "2002:c0a8:0101::1",  # 6to4: 10/8, 192.168/16
    "2002:0000:0000::1", "2002:e000:0001::1",  # 6to4: 0.0.0.0, multicast
    "2001::1", "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
    "64:ff9b::7f00:1", "64:ff9b::a9fe:a9fe", "64:ff9b:1::1",  # NAT64
    "fec0::1", "feff::1",  # site-local
    "192.0.0.1", "192.0.0.9", "192.0.0.170",  # IETF protocol assignments
    "100.64.0.1", "100.127.255.254",  # shared address space (CGNAT)
    "198.18.0.1", "198.19.255.254",  # benchmarking
    "192.0.2.1", "198.51.100.1", "203.0.113.1", "2001:db8::1", "3fff::1",  # documentation
    "192.88.99.1",  # 6to4 relay anycast
    "::ffff:127.0.0.1", "::ffff:169.254.169.254", "::ffff:10.0.0.1",  # IPv4-mapped
    "::ffff:0:7f00:1", "::7f00:1",  # IPv4-translated, IPv4-compatible
    "100::1", "2001:2::1", "2001:10::1", "2001:20::1", "5f00::1",
    "240.0.0.1", "255.255.255.255", "0.1.2.3",
]
# Never, not even with the operator's consent to loopback and private destinations.
ALWAYS_NEVER = [a for a in FOUND + NEVER if a not in (
    "2002:7f00:1::1", "2002:0a00:0001::1", "2002:c0a8:0101::1",  # loopback, private: consent
    "::ffff:127.0.0.1", "::ffff:10.0.0.1")]
PUBLIC = ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946",
          "2002:5db8:d822::1",  # 6to4 carrying the public 93.184.216.34
          "::ffff:93.184.216.34"]


def _url(address: str) -> str:
    return f"https://[{address}]/hook" if ":" in address else f"https://{address}/hook"


def _resolving_to(address: str):
    def lookup(host, port):
        return [address]
    return lookup


@pytest.fixture
def strict_app(make_app, app):
    """Mayfly as installed: private destinations not allowed (app: a fresh store)."""
    return make_app(webhooks_allow_private=False)


def _refused(address: str, monkeypatch, *, named: bool) -> bool:
    """Whether registering a webhook to the address (or to a name resolving to it) fails,
    for that reason."""
    url = _url(address)
    if named:
        monkeypatch.setattr(outbound, "lookup", _resolving_to(address))
        url = "https://hooks.example.org/in"
    try:
        webhooks.check_url(url)
    except InvalidInput as refused:
        return refused.message == "That host is not a public internet address."
    return False


# One test per set (a fresh app each costs more than the checks): the failures are listed.
@pytest.mark.parametrize("named", [False, True], ids=["in the URL", "behind a name"])
def test_special_ranges_are_refused(strict_app, monkeypatch, named):
    with strict_app.app_context():
        let_through = [a for a in FOUND + NEVER if not _refused(a, monkeypatch, named=named)]
    assert let_through == []


def test_consent_to_private_destinations_does_not_open_them(app, monkeypatch):
    with app.app_context():  # WEBHOOKS_ALLOW_PRIVATE=1 here
        let_through = [a for a in ALWAYS_NEVER if not _refused(a, monkeypatch, named=True)]
    assert let_through == []


def test_public_destinations_are_still_accepted(strict_app, monkeypatch):
    with strict_app.app_context():
        refused = [a for a in PUBLIC if _refused(a, monkeypatch, named=True)]
    assert refused == []


@pytest.mark.parametrize("address", FOUND)
def test_the_dashboard_refuses_them(strict_app, make_user, address):
    client = strict_app.test_client()
    make_user("hooks@example.org")
    log_in(client, "hooks@example.org")
    answer = client.post("/account/webhooks", data={
        "csrf_token": csrf_token(client, "/account"), "url": _url(address),
        "mailbox": "all my mailboxes"})
    assert answer.status_code == 422
    assert "not a public internet address" in answer.get_data(as_text=True)
