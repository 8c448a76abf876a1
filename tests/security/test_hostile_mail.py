"""Hostile mail: every case of the generated corpus either is refused with a proper SMTP code
or is stored and fully readable through the API and the browser, with no 500 anywhere, and
its parse stays within a bound of work and memory (counted, never timed: a busy machine is
slower, not wrong) and within the caps app.mail.mime documents."""

from __future__ import annotations

import smtplib
import tracemalloc

import pytest

from app.mail import mime
from app.mail.mime import MAX_BOUNDARIES, MAX_DEPTH, MAX_FILENAME, TOO_DEEP_NOTICE, parse
from tests.security.corpus import corpus
from tests.work import count_calls, parse_budget

CASES = corpus()
# Parsing may hold a few copies of the message (decoded parts, text), never unbounded.
PARSE_MEMORY = 32 * 1024 * 1024


def _nested(depth: int) -> bytes:
    head = b"".join(b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (i, i)
                    for i in range(depth))
    return b"Subject: deep\r\n" + head + b"Content-Type: text/plain\r\n\r\nx\r\n"


@pytest.mark.parametrize(("name", "raw"), CASES, ids=[name for name, _ in CASES])
def test_parse_is_bounded(name, raw):
    tracemalloc.start()
    try:
        parsed, calls = count_calls(parse, raw)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert calls <= parse_budget(raw), f"{name} made {calls} calls for {len(raw)} bytes"
    assert peak < PARSE_MEMORY + 8 * len(raw), f"{name} peaked at {peak >> 20} MB"
    # What comes out is what came in, decoded: no part copied over and over.
    produced = (len(parsed.text) + len(parsed.html) + len(parsed.subject)
                + sum(len(a.data) for a in parsed.attachments)
                + sum(len(k) + len(v) for k, v in parsed.headers))
    assert produced <= 2 * len(raw) + 4096, f"{name} produced {produced} from {len(raw)} bytes"
    assert len(parsed.headers) <= mime.normalize_newlines(raw).count(b"\n") + 1, name
    if mime.normalize_newlines(raw).lower().count(b"boundary=") > MAX_BOUNDARIES:
        # Past the cap the body is not parsed at all: headers only, and a notice.
        assert "TooManyBoundaries" in parsed.defects, name
        assert parsed.text == TOO_DEEP_NOTICE and not parsed.html and not parsed.attachments
    assert "\x00" not in parsed.text + parsed.html + parsed.subject
    for attachment in parsed.attachments:
        assert "/" not in attachment.filename and "\\" not in attachment.filename
        assert not any(ord(c) < 32 for c in attachment.filename)
        assert 0 < len(attachment.filename) <= MAX_FILENAME


@pytest.mark.parametrize("depth", [MAX_DEPTH + 10, MAX_BOUNDARIES])
def test_nesting_past_the_depth_cap_is_not_walked(depth):
    parsed = parse(_nested(depth))
    assert "NestingTooDeep" in parsed.defects
    assert parsed.text == ""  # the leaf sits below MAX_DEPTH: never reached


def test_the_work_bound_catches_the_scan_the_boundary_cap_prevents(monkeypatch):
    """The call count is a real bound: lift MAX_BOUNDARIES, and 600 nested multiparts make the
    stdlib parser check every open boundary on every line, well past the budget."""
    raw = _nested(600)
    _, capped = count_calls(parse, raw)
    assert capped <= parse_budget(raw)
    monkeypatch.setattr(mime, "MAX_BOUNDARIES", 10**9)
    _, uncapped = count_calls(parse, raw)
    assert uncapped > parse_budget(raw), uncapped


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
