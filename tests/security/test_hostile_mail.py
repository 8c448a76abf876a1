"""Hostile mail: every case of the generated corpus either is refused with a proper SMTP code
or is stored and fully readable through the API and the browser, with no 500 anywhere, and
its parse stays within a time and memory bound."""

from __future__ import annotations

import smtplib
import time
import tracemalloc

import pytest

from app.mail.mime import parse
from tests.security.corpus import corpus

CASES = corpus()
PARSE_SECONDS = 2.0
# Parsing may hold a few copies of the message (decoded parts, text), never unbounded.
PARSE_MEMORY = 32 * 1024 * 1024


@pytest.mark.parametrize(("name", "raw"), CASES, ids=[name for name, _ in CASES])
def test_parse_is_bounded(name, raw):
    tracemalloc.start()
    started = time.perf_counter()
    try:
        parsed = parse(raw)
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert elapsed < PARSE_SECONDS, f"{name} took {elapsed:.2f} s"
    assert peak < PARSE_MEMORY + 8 * len(raw), f"{name} peaked at {peak >> 20} MB"
    assert "\x00" not in parsed.text + parsed.html + parsed.subject
    for attachment in parsed.attachments:
        assert "/" not in attachment.filename and "\\" not in attachment.filename
        assert not any(ord(c) < 32 for c in attachment.filename)
        assert 0 < len(attachment.filename) <= 120


def test_corpus_over_smtp_is_stored_or_refused_and_always_readable(make_app, smtp_server):
    # Thousands of reads from one client: lift the per-IP limit for this reader.
    reader = make_app(ratelimit_default="1000000 per minute")
    accepted, refused = [], {}
    with smtplib.SMTP(smtp_server.hostname, smtp_server.port, timeout=60) as smtp:
        for i, (name, raw) in enumerate(CASES):
            address = f"case{i}@mayfly.test"
            try:
                smtp.sendmail("hostile@example.org", [address], raw)
                accepted.append((name, address))
            except smtplib.SMTPDataError as exc:
                refused[name] = exc.smtp_code
                smtp.rset()
        # SMTPUTF8 addresses, with an 8-bit message.
        smtp.sendmail("zoë@example.org", ["ünïcødé@mayfly.test"],
                      "Subject: Grüße\r\n\r\nnaïve\r\n".encode(), mail_options=["SMTPUTF8"])
        accepted.append(("smtputf8", "ünïcødé@mayfly.test"))
    assert set(refused.values()) <= {500, 552}, refused
    assert len(accepted) > len(CASES) * 0.9, f"refused: {refused}"
    client = reader.test_client()
    for name, address in accepted:
        listing = client.get(f"/api/v1/mailboxes/{address}/messages")
        assert listing.status_code == 200, name
        (summary,) = listing.json["messages"]
        message_id = summary["id"]
        message = client.get(f"/api/v1/messages/{message_id}")
        assert message.status_code == 200, name
        assert client.get(f"/api/v1/messages/{message_id}/raw").status_code == 200, name
        for attachment in message.json["attachments"][:20]:
            download = client.get(attachment["url"])
            assert download.status_code == 200, (name, attachment["filename"])
            assert download.headers["Content-Disposition"].startswith("attachment"), name
        for path in (f"/m/{message_id}", f"/m/{message_id}/body", f"/m/{message_id}?view=text",
                     f"/m/{message_id}?view=source", f"/inbox/{address}"):
            assert client.get(path).status_code == 200, (name, path)
