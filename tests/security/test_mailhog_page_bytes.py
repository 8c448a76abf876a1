"""M9: a MailHog listing page is held to a byte cap, and streamed.

An item carries its message about three times (body, parts, raw), so 30 messages of 2 MB
made a 131 MB answer and a full page (1,000 items) could take gigabytes. A page now stops
adding items once they pass PAGE_BYTES encoded (always holding at least one), `total` stays
every message and `count` what the page holds, so a client pages on with `start`. Mail goes
in over real SMTP (MAX_MESSAGE_SIZE is 10 MiB, the mailbox quota 100 MiB); the checks are
on bytes and counts only.
"""

from __future__ import annotations

import base64
import dataclasses
import json

import pytest

from app.dialects import mailhog
from app.services.mailbox_life import mailboxes

ADDRESS = "big@mayfly.test"
LARGE = 3 * 1024 * 1024


@pytest.fixture
def key(app, make_user, api_key_for):
    user_id = make_user("owner@example.org")
    with app.app_context():
        mailboxes.create_mailbox("big", owner_id=user_id)
    token = api_key_for("owner@example.org")
    return {"Authorization": "Basic " + base64.b64encode(f"x:{token}".encode()).decode()}


def large_text(n: int) -> str:
    line = f"message {n}: all work and no play makes a large mail\n"
    return line * (LARGE // len(line) + 1)


@pytest.fixture
def mail(send_mail) -> int:
    """Three ~3 MB messages between four small ones: about 9 MB of raw mail, 19 MB of items."""
    sent = 0
    for n in range(7):
        large = n in (1, 3, 4)
        send_mail(ADDRESS, subject=f"Message {n}", text=large_text(n) if large else "small")
        sent += 1
    return sent


def listing(client, key, **params):
    answer = client.get("/compat/mailhog/api/v2/messages", headers=key, query_string=params)
    assert answer.status_code == 200
    # A generator: the page is never built whole in memory (so no length is known ahead).
    assert "Content-Length" not in answer.headers
    body = answer.get_data()
    return body, json.loads(body)


def item_bytes(item: dict) -> int:
    return len(json.dumps(item, separators=(",", ":"), ensure_ascii=False).encode())


def page_through(client, key, **params) -> list[str]:
    """Every page from start=0 on, each checked against the cap; the subjects in order."""
    ids: list[str] = []
    start = 0
    while True:
        body, page = listing(client, key, start=start, **params)
        assert page["start"] == start and page["count"] == len(page["items"])
        assert page["total"] == 7  # truthful on every page, whatever the page holds
        if not page["items"]:
            return ids
        biggest = max(item_bytes(i) for i in page["items"])
        # Under the cap plus one message: the item that passed it is the last one sent, and
        # only when it is the first of the page.
        assert len(body) <= mailhog.PAGE_BYTES + biggest + 200, (len(body), biggest)
        if page["count"] > 1:
            assert sum(item_bytes(i) for i in page["items"]) <= mailhog.PAGE_BYTES
        ids += [i["Content"]["Headers"]["Subject"][0] for i in page["items"]]
        start += page["count"]


def test_a_page_stops_at_the_byte_cap_and_start_reaches_every_message(client, key, mail,
                                                                      monkeypatch):
    loads: list[int] = []
    stream = mailhog.owned_mail.stream

    def counted(*args, **kwargs):
        found = stream(*args, **kwargs)

        def batches():
            for batch in found.batches:
                loads.append(len(batch))
                yield batch

        return dataclasses.replace(found, batches=batches())

    monkeypatch.setattr(mailhog.owned_mail, "stream", counted)
    body, first = listing(client, key)  # limit 50 would be all 7 messages, about 19 MB
    assert first["total"] == 7 and 1 <= first["count"] < 7
    assert len(body) < mailhog.PAGE_BYTES + LARGE * 3
    # Messages were loaded a batch at a time, never the page at once.
    assert max(loads) <= mailhog.BATCH and sum(loads) <= first["count"] + mailhog.BATCH
    ids = page_through(client, key)
    assert ids == [f"Message {n}" for n in reversed(range(7))]  # each once, newest first
    # A page of small items is still whole: the cap only bites on bytes.
    _, small = listing(client, key, start=5)
    assert small["count"] == 2  # messages 1 (large) and 0 (small): 6 MB, under the cap


def test_one_item_larger_than_the_cap_is_still_sent_alone(client, key, mail, monkeypatch):
    monkeypatch.setattr(mailhog, "PAGE_BYTES", 1024 * 1024)  # each large item is over it
    assert page_through(client, key) == [f"Message {n}" for n in reversed(range(7))]
    _, page = listing(client, key, start=2)  # message 4, large, first of its page
    assert page["count"] == 1


def test_search_and_the_v1_list_are_held_to_the_cap_too(client, key, mail):
    found = client.get("/compat/mailhog/api/v2/search", headers=key,
                       query_string={"kind": "from", "query": "alice"})
    assert "Content-Length" not in found.headers
    page = json.loads(found.get_data())
    assert page["total"] == 7 and 1 <= page["count"] < 7
    assert len(found.get_data()) <= mailhog.PAGE_BYTES + max(
        item_bytes(i) for i in page["items"]) + 200
    v1 = client.get("/compat/mailhog/api/v1/messages", headers=key)
    assert "Content-Length" not in v1.headers
    items = json.loads(v1.get_data())
    assert 1 <= len(items) < 7
    assert len(v1.get_data()) <= mailhog.PAGE_BYTES + max(item_bytes(i) for i in items) + 200
