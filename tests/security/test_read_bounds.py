"""A read costs what Mayfly's bounds allow, whatever the sender wrote, over real SMTP.

Every door that parses the raw source again (MailHog's parts, Mailpit's headers) parses it
through the same bounded parse as delivery: a deeply nested mail no longer makes every MailHog
listing of its owner answer 500, and a mail of many parts or header lines is read back with
at most MAX_PARTS parts and MAX_HEADER_LINES header lines, its raw source kept whole.
"""

from __future__ import annotations

import base64

import pytest

from app.mail.mime import MAX_HEADER_LINES, MAX_PARTS
from app.services.mailbox_life import mailboxes

MAILHOG = "/compat/mailhog/api/v2/messages"


@pytest.fixture
def key(app, make_user, api_key_for):
    user_id = make_user("owner@example.org")
    with app.app_context():
        mailboxes.create_mailbox("bounded", owner_id=user_id)
    token = api_key_for("owner@example.org")
    return {"Authorization": "Basic " + base64.b64encode(f"x:{token}".encode()).decode(),
            "Bearer": {"Authorization": f"Bearer {token}"}}


def nested(depth: int) -> bytes:
    head = b"From: a@example.org\r\nTo: bounded@mayfly.test\r\nSubject: Nested\r\n"
    body = b"innermost\r\n"
    for level in reversed(range(depth)):
        body = (b"--b%d\r\nContent-Type: multipart/mixed; boundary=b%d\r\n\r\n" % (level, level + 1)
                + body + b"--b%d--\r\n" % level)
    return head + b"Content-Type: multipart/mixed; boundary=b0\r\n\r\n" + body


def many_parts(count: int) -> bytes:
    parts = b"".join(b"--p\r\nContent-Type: text/plain\r\n\r\npart %d\r\n" % i
                     for i in range(count))
    return (b"From: a@example.org\r\nTo: bounded@mayfly.test\r\nSubject: Parts\r\n"
            b"Content-Type: multipart/mixed; boundary=p\r\n\r\n" + parts + b"--p--\r\n")


def many_header_lines(count: int) -> bytes:
    lines = b"".join(b"X-Line-%d: value\r\n" % i for i in range(count))
    return (b"From: a@example.org\r\nTo: bounded@mayfly.test\r\nSubject: Headers\r\n" + lines
            + b"\r\nbody\r\n")


def only_item(client, key) -> dict:
    answer = client.get(MAILHOG, headers={"Authorization": key["Authorization"]})
    assert answer.status_code == 200, answer.get_data(as_text=True)[:500]
    (item,) = answer.json["items"]
    return item


def test_a_deeply_nested_mail_leaves_mailhog_listings_working(client, key, send_mail):
    send_mail(["bounded@mayfly.test"], nested(1_000))
    item = only_item(client, key)
    assert item["Content"]["Headers"]["Subject"] == ["Nested"]
    assert item["MIME"] is None  # headers only: the parts stay in the raw source


def test_parts_are_capped_on_every_read(client, key, send_mail):
    raw = many_parts(5 * MAX_PARTS)
    send_mail(["bounded@mayfly.test"], raw)
    item = only_item(client, key)
    assert item["MIME"] is None or len(item["MIME"]["Parts"]) <= MAX_PARTS
    (summary,) = client.get("/api/v1/mailboxes/bounded@mayfly.test/messages",
                            headers=key["Bearer"]).json["messages"]
    message = client.get(f"/api/v1/messages/{summary['id']}", headers=key["Bearer"]).json
    assert len(message["attachments"]) <= MAX_PARTS
    source = client.get(f"/api/v1/messages/{summary['id']}/raw", headers=key["Bearer"])
    assert source.status_code == 200 and source.data.replace(b"\r\n", b"\n") == raw.replace(
        b"\r\n", b"\n")


def test_header_lines_are_capped_on_every_read(client, key, send_mail):
    raw = many_header_lines(20 * MAX_HEADER_LINES)
    send_mail(["bounded@mayfly.test"], raw)
    item = only_item(client, key)
    assert sum(len(v) for v in item["Content"]["Headers"].values()) <= MAX_HEADER_LINES
    (summary,) = client.get("/api/v1/mailboxes/bounded@mayfly.test/messages",
                            headers=key["Bearer"]).json["messages"]
    assert summary["subject"] == "Headers"
    message = client.get(f"/api/v1/messages/{summary['id']}", headers=key["Bearer"]).json
    assert len(message["headers"]) <= MAX_HEADER_LINES
