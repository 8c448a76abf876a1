"""Webhooks cannot be turned against the network Mayfly runs in, and one slow receiver
cannot hold up anybody else's deliveries."""

from __future__ import annotations

import http.server
import threading
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import WebhookDelivery
from app.services.accounts import users
from app.services.errors import InvalidInput
from app.services.ingest import delivery
from app.services.outgoing import outbound, webhook_dispatch, webhooks
from tests.conftest import free_port
from tests.factories import build_eml

GENEROUS = 30  # seconds; only bounds a hang


class Server:
    """A loopback HTTP server whose handler is given; records what reached it."""

    def __init__(self, answer) -> None:
        self.hits: list[str] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                server.hits.append(f"POST {self.path}")
                answer(self)

            def do_GET(self) -> None:
                server.hits.append(f"GET {self.path}")
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.http = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.http.daemon_threads = True
        self.port = self.http.server_port
        self.thread = threading.Thread(target=self.http.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.http.shutdown()


def ok(handler) -> None:
    handler.send_response(204)
    handler.end_headers()


@pytest.fixture
def servers():
    made: list[Server] = []

    def make(answer=ok) -> Server:
        made.append(Server(answer))
        return made[-1]

    yield make
    for server in made:
        server.close()


@pytest.fixture
def strict_app(make_app, app):
    """Mayfly as installed: private destinations not allowed (app: a fresh store)."""
    return make_app(webhooks_allow_private=False)


@pytest.mark.parametrize("url", [
    "https://127.0.0.1/hook", "https://localhost/hook", "https://[::1]/hook",
    "https://10.0.0.1/hook", "https://192.168.1.10/x", "https://172.16.0.5/x",
    "https://169.254.169.254/latest/meta-data/", "https://[fe80::1]/x", "https://0.0.0.0/x",
    "https://224.0.0.1/x", "https://[::ffff:127.0.0.1]/x", "https://100.64.0.1/x",
    "http://93.184.216.34/hook",  # public, but plain http
    "ftp://93.184.216.34/x", "javascript:alert(1)", "https://", "https://user:pw@1.1.1.1/",
])
def test_registration_refuses_what_is_not_a_public_https_destination(strict_app, url):
    with strict_app.app_context(), pytest.raises(InvalidInput):
        webhooks.check_url(url)


def test_public_https_destinations_are_accepted(strict_app, monkeypatch):
    monkeypatch.setattr(outbound, "lookup", _resolving_to("93.184.216.34"))
    with strict_app.app_context():
        assert webhooks.check_url("https://hooks.example.org/in") == "https://hooks.example.org/in"


def test_private_destinations_need_the_operators_consent(app):
    with app.app_context():  # this package's settings: WEBHOOKS_ALLOW_PRIVATE=1
        assert webhooks.check_url("http://127.0.0.1:9/hook")
        with pytest.raises(InvalidInput):  # metadata addresses stay refused even then
            webhooks.check_url("http://169.254.169.254/latest/")


def _resolving_to(*addresses: str):
    """A stand-in for Mayfly's resolver (outbound.lookup): every name has these addresses."""
    def lookup(host: str, port: int) -> list[str]:
        return list(addresses)
    return lookup


def _owner_with_hook(url: str, address: str) -> None:
    user = users.create_user(f"owner-{address}", "long enough password")
    from app.services.mailbox_life import mailboxes

    mailboxes.create_mailbox(address.split("@")[0], owner_id=user.id)
    db.session.add(webhooks.create_webhook(user.id, url))
    db.session.commit()


def _deliveries() -> list[WebhookDelivery]:
    db.session.remove()
    return list(db.session.execute(sa.select(WebhookDelivery).order_by(WebhookDelivery.id))
                .scalars())


def test_a_name_that_rebinds_to_an_internal_address_gets_nothing(strict_app, servers,
                                                                   monkeypatch):
    internal = servers()
    url = f"https://rebind.example.org:{internal.port}/hook"
    with strict_app.app_context():
        monkeypatch.setattr(outbound, "lookup", _resolving_to("93.184.216.34"))
        _owner_with_hook(url, "rebind@mayfly.test")
        delivery.deliver("a@example.org", ["rebind@mayfly.test"], build_eml())
        # Now the name answers with the loopback address of an internal service.
        monkeypatch.setattr(outbound, "lookup", _resolving_to("127.0.0.1"))
        webhook_dispatch.dispatch_due()
        (sent,) = _deliveries()
    assert internal.hits == []
    assert (sent.status, sent.last_status) == ("pending", None)
    assert sent.last_error == "That host is not a public internet address."


def test_redirects_are_not_followed(app, servers):
    internal = servers()

    def redirect(handler) -> None:
        handler.send_response(302)
        handler.send_header("Location", f"http://127.0.0.1:{internal.port}/admin/secret")
        handler.end_headers()

    hook = servers(redirect)
    with app.app_context():
        _owner_with_hook(f"http://127.0.0.1:{hook.port}/hook", "redirected@mayfly.test")
        delivery.deliver("a@example.org", ["redirected@mayfly.test"], build_eml())
        webhook_dispatch.dispatch_due()
        (sent,) = _deliveries()
    assert hook.hits == ["POST /hook"]
    assert internal.hits == []
    assert (sent.last_status, sent.last_error) == (302, "HTTP 302")


def test_failures_are_shown_in_generic_words(app):
    closed_port = free_port()  # nothing listens here
    with app.app_context():
        _owner_with_hook(f"http://127.0.0.1:{closed_port}/hook", "closed@mayfly.test")
        delivery.deliver("a@example.org", ["closed@mayfly.test"], build_eml())
        webhook_dispatch.dispatch_due()
        (sent,) = _deliveries()
    assert sent.last_error == "could not connect"
    assert str(closed_port) not in sent.last_error


def trickle(handler) -> None:
    """A receiver that answers one byte every second, for ever (a quarter of an hour)."""
    try:
        for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"x" * 1000:
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()
            time.sleep(1)
    except OSError:
        pass


def _until(condition, what: str) -> None:
    """Wait for something the test can observe; the deadline only bounds a hang."""
    deadline = time.monotonic() + GENEROUS
    while not condition():
        assert time.monotonic() < deadline, f"still waiting for {what}"
        time.sleep(0.05)


def test_a_slow_receiver_holds_up_nobody_else(app, make_app, servers):
    release = threading.Event()

    def held(handler) -> None:  # answers only once the test has seen what it came to see
        release.wait(4 * GENEROUS)
        ok(handler)

    slow, fast = servers(held), servers()
    # A deadline no send here comes near: the slow deliveries end when released, not by time.
    patient = make_app(webhooks_allow_private=True, webhook_timeout=timedelta(seconds=300))
    with patient.app_context():
        _owner_with_hook(f"http://127.0.0.1:{slow.port}/slow", "slow@mayfly.test")
        _owner_with_hook(f"http://127.0.0.1:{fast.port}/fast", "fast@mayfly.test")
        for _ in range(3):  # the slow receiver's deliveries are due first
            delivery.deliver("a@example.org", ["slow@mayfly.test"], build_eml())
        delivery.deliver("a@example.org", ["fast@mayfly.test"], build_eml())
        dispatcher = webhook_dispatch.Dispatcher(patient)
        try:
            assert dispatcher.tick() == 3  # two for the slow receiver (its share), one fast
            _until(lambda: fast.hits and len(slow.hits) == 2, "the fast POST and two slow ones")
            assert fast.hits == ["POST /fast"]
            # Both slow sends are still held open, the third not started: the fast one got
            # through meanwhile.
            assert [d.attempts for d in _deliveries()] == [0, 0, 0, 1]
        finally:
            release.set()
            dispatcher.finish(timeout=GENEROUS)
            dispatcher.close()
        outcomes = [(d.attempts, d.last_status) for d in _deliveries()]
    assert outcomes == [(1, 204), (1, 204), (0, None), (1, 204)]


def test_a_trickling_receiver_is_cut_off_at_the_deadline(app, make_app, servers):
    slow = servers(trickle)
    quick = make_app(webhooks_allow_private=True, webhook_timeout=timedelta(seconds=2))
    with quick.app_context():
        _owner_with_hook(f"http://127.0.0.1:{slow.port}/slow", "slow@mayfly.test")
        delivery.deliver("a@example.org", ["slow@mayfly.test"], build_eml())
        dispatcher = webhook_dispatch.Dispatcher(quick)
        try:
            started = time.monotonic()
            assert dispatcher.tick() == 1
            dispatcher.finish(timeout=4 * GENEROUS)  # the receiver alone would take 17 minutes
            held = time.monotonic() - started
        finally:
            dispatcher.close()
        (sent,) = _deliveries()
    assert (sent.attempts, sent.last_status, sent.last_error) == (1, None, "timed out")
    assert held >= 2  # it was the deadline that ended it (a busy machine only adds to this)


def test_settings_for_webhooks_are_documented():
    from app.config import variables

    names = {v.metadata["env"] for v in variables()}
    assert {"WEBHOOKS_ALLOW_PRIVATE", "WEBHOOK_TIMEOUT", "WEBHOOK_CONCURRENCY"} <= names
