"""/metrics: closed unless a token is set, and what it counts is what happened, over real SMTP
and HTTP, in one process and across the launcher's processes."""

from __future__ import annotations

import re
import smtplib
import time

import pytest
import requests

from tests.factories import build_eml
from tests.launch import launched

TOKEN = "metrics-" + "0123456789abcdef" * 3
SCRAPE = {"Authorization": f"Bearer {TOKEN}"}


def value(text: str, name: str, **labels: str) -> float:
    """One sample of the exposition text (0 when absent)."""
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    pattern = re.escape(name) + (r"\{" + re.escape(wanted) + r"\}" if labels else "")
    found = re.search("^" + pattern + r" ([0-9.e+-]+)$", text, re.M)
    return float(found.group(1)) if found else 0.0


@pytest.fixture
def scraped(make_app):
    app = make_app(metrics_token=TOKEN)
    app.config["TESTING"] = True
    return app


def test_closed_without_a_token(client):
    assert client.get("/metrics").status_code == 404


def test_token_required(scraped):
    web = scraped.test_client()
    assert web.get("/metrics").status_code == 401
    assert web.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    # Only `Authorization: Bearer <token>`: the bare token, or another scheme, is refused.
    for sent in (TOKEN, f"Basic {TOKEN}", f"Token {TOKEN}", f"Bearer{TOKEN}", "Bearer "):
        assert web.get("/metrics", headers={"Authorization": sent}).status_code == 401, sent
    answer = web.get("/metrics", headers=SCRAPE)
    assert answer.status_code == 200 and answer.mimetype == "text/plain"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"  # security headers too


def test_counts_what_happened(scraped, smtp_server, send_mail):
    web = scraped.test_client()
    before = web.get("/metrics", headers=SCRAPE).get_data(as_text=True)
    send_mail("counted@mayfly.test", build_eml(to="counted@mayfly.test", text="x" * 1000))
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        send_mail("someone@elsewhere.example")
    for _ in range(31):  # CREATE_LIMIT is 30 a minute
        web.post("/api/v1/mailboxes", json={})
    after = web.get("/metrics", headers=SCRAPE).get_data(as_text=True)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("mayfly_smtp_replies_total", step="data", code="250") == 1
    assert grew("mayfly_smtp_replies_total", step="rcpt", code="550") == 1
    assert grew("mayfly_delivery_seconds_count") == 1
    assert grew("mayfly_rate_limited_total", door="api") == 1
    assert value(after, "mayfly_stored_messages") == 1
    assert value(after, "mayfly_stored_bytes") > 1000


def test_processes_add_up_under_the_launcher(tmp_path):
    with launched(tmp_path, METRICS_TOKEN=TOKEN) as launch:  # two web workers, SMTP sidecar
        first = requests.get(f"{launch.base}/metrics", headers=SCRAPE, timeout=30).text
        with smtplib.SMTP("127.0.0.1", launch.smtp_port, timeout=30) as smtp:
            for n in range(3):
                smtp.sendmail("a@example.org", ["many@mayfly.test"],
                              build_eml(to="many@mayfly.test", subject=f"n{n}"))
        stream = requests.get(f"{launch.base}/api/v1/mailboxes/many@mayfly.test/events",
                              stream=True, timeout=60)
        texts = [requests.get(f"{launch.base}/metrics", headers=SCRAPE, timeout=30).text
                 for _ in range(6)]  # whichever worker answers, the sums are the same
        stream.close()
        for text in texts:
            assert value(text, "mayfly_smtp_replies_total", step="data", code="250") == 3
            # The store is shared (on PostgreSQL with earlier tests' launches too).
            assert value(text, "mayfly_stored_messages") - value(
                first, "mayfly_stored_messages") == 3
            assert value(text, "mayfly_held_calls", kind="stream") == 1
        deadline = time.monotonic() + 30  # the worker notices the closed stream in seconds
        while time.monotonic() < deadline:
            text = requests.get(f"{launch.base}/metrics", headers=SCRAPE, timeout=30).text
            if value(text, "mayfly_held_calls", kind="stream") == 0:
                break
            time.sleep(0.5)
        assert value(text, "mayfly_held_calls", kind="stream") == 0
