"""Webhooks: registered on the dashboard, enqueued with the message, POSTed signed within a
second of delivery by the sidecar's dispatcher, retried with backoff when the receiver fails."""

from __future__ import annotations

import hashlib
import hmac
import http.server
import json
import threading
import time

import pytest
import sqlalchemy as sa
from prometheus_client import REGISTRY

from app.extensions import db
from app.models import WebhookDelivery
from app.services.outgoing import webhook_dispatch
from tests.conftest import free_port
from tests.web.helpers import csrf_token
from tests.web.login import log_in


class Receiver:
    """A loopback HTTP server that records POSTs and answers with queued statuses."""

    def __init__(self) -> None:
        self.posts: list[tuple[float, dict[str, str], bytes]] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.posts.append((time.monotonic(), dict(self.headers), body))
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"


@pytest.fixture
def receiver():
    receiver = Receiver()
    thread = threading.Thread(target=receiver.server.serve_forever, daemon=True)
    thread.start()
    yield receiver
    receiver.server.shutdown()
    thread.join()


@pytest.fixture
def dispatcher(app):
    """The sidecar's dispatcher loop, in a thread."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(0.1):
            with app.app_context():
                webhook_dispatch.dispatch_due()

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join()


@pytest.fixture
def owner(client, make_user):
    make_user("hooks@example.org")
    log_in(client, "hooks@example.org")
    token = csrf_token(client, "/account")
    client.post("/account/mailboxes", data={"csrf_token": token, "local": "watched",
                                            "domain": "mayfly.test"})
    return client


def attempts(outcome: str) -> float:
    return REGISTRY.get_sample_value("mayfly_webhook_attempts_total", {"outcome": outcome}) or 0


def add_webhook(client, url: str, mailbox: str = "all my mailboxes"):
    return client.post("/account/webhooks", data={"csrf_token": csrf_token(client, "/account"),
                                                  "url": url, "mailbox": mailbox})


def test_signed_post_within_a_second_of_delivery(owner, receiver, dispatcher, send_mail, app):
    assert add_webhook(owner, receiver.url, "watched@mayfly.test").status_code == 303
    page = owner.get("/account").get_data(as_text=True)
    assert page.count('id="webhooks-heading"') == 1
    assert "<title>Dashboard · Mayfly</title>" in page
    secret = page.split('<output id="new-secret" class="mono key">')[1].split("<")[0]
    assert len(secret) == 48
    again = owner.get("/account").get_data(as_text=True)  # shown once, like a key
    assert secret not in again and f'<td class="mono small">{secret[:4]}…</td>' in again
    send_mail("watched@mayfly.test", subject="Hooked")
    deadline = time.monotonic() + 30  # only bounds a hang
    while not receiver.posts and time.monotonic() < deadline:
        time.sleep(0.02)
    (_, headers, body), = receiver.posts
    expected = hmac.new(secret.encode(), headers["X-Mayfly-Timestamp"].encode() + b"." + body,
                        hashlib.sha256).hexdigest()
    assert headers["X-Mayfly-Signature"] == f"sha256={expected}"
    event = json.loads(body)
    assert event["event"] == "message.received" and event["mailbox"] == "watched@mayfly.test"
    assert event["message"]["subject"] == "Hooked"
    deadline = time.monotonic() + 30  # the dashboard shows it once the sender recorded it
    while "delivered" not in owner.get("/account").get_data(as_text=True):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    with app.app_context():
        sent = db.session.execute(sa.select(WebhookDelivery)).scalar_one()
    # At once, by its first attempt: not at a retry, which would wait BACKOFF[0] seconds.
    assert (sent.status, sent.attempts, sent.last_status) == ("delivered", 1, 200)


def test_failed_delivery_is_retried_with_backoff(owner, receiver, send_mail, app, monkeypatch):
    monkeypatch.setattr(webhook_dispatch, "BACKOFF", (0.2, 0.2, 0.2))
    monkeypatch.setattr(webhook_dispatch, "MAX_ATTEMPTS", 4)
    receiver.statuses = [500, 503]
    add_webhook(owner, receiver.url)
    counted = {o: attempts(o) for o in ("retry", "delivered")}
    send_mail("watched@mayfly.test")
    with app.app_context():
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            webhook_dispatch.dispatch_due()
            delivery = db.session.execute(sa.select(WebhookDelivery)).scalar_one()
            if delivery.status != "pending":
                break
            db.session.remove()
            time.sleep(0.1)
        assert (delivery.status, delivery.attempts, delivery.last_status) == ("delivered", 3, 200)
    assert len(receiver.posts) == 3
    assert attempts("retry") - counted["retry"] == 2  # as /metrics reports them
    assert attempts("delivered") - counted["delivered"] == 1


def test_gives_up_after_the_last_attempt(owner, receiver, send_mail, app, monkeypatch):
    monkeypatch.setattr(webhook_dispatch, "BACKOFF", (0.0,))
    monkeypatch.setattr(webhook_dispatch, "MAX_ATTEMPTS", 2)
    receiver.statuses = [500, 500, 500]
    add_webhook(owner, receiver.url)
    send_mail("watched@mayfly.test")
    with app.app_context():
        for _ in range(5):
            webhook_dispatch.dispatch_due()
            time.sleep(0.05)
        delivery = db.session.execute(sa.select(WebhookDelivery)).scalar_one()
    assert (delivery.status, delivery.attempts) == ("failed", 2)


def test_only_the_owners_mail_is_sent(owner, receiver, send_mail, app):
    add_webhook(owner, receiver.url)
    send_mail("someone-public@mayfly.test")
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count()).select_from(
            WebhookDelivery)).scalar() == 0


def test_dashboard_refuses_a_bad_url_and_a_mailbox_not_owned(owner):
    assert add_webhook(owner, "ftp://127.0.0.1/x").status_code == 422
    assert add_webhook(owner, "http://127.0.0.1:9/x", "other@mayfly.test").status_code == 422
