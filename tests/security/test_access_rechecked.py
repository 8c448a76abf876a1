"""A stream or a wait opened while a mailbox was readable stops at the next look once it is
not: made private, or its token replaced. Over real HTTP and real SMTP."""

from __future__ import annotations

import concurrent.futures
import json
import time
import urllib.error
import urllib.request

from app.services.access import ANONYMOUS
from app.services.mailbox_life import mailbox_tokens
from tests.api.test_events import read_event

GENEROUS = 30


def events_until_closed(stream, deadline: float) -> list[dict[str, str]]:
    """Every event the stream sends until the server ends it."""
    events, event = [], {}
    while time.monotonic() < deadline:
        line = stream.readline()
        if not line:
            return events  # the server closed the stream
        text = line.decode().rstrip("\n")
        if not text:
            if "event" in event:
                events.append(event)
            event = {}
            continue
        key, _, value = text.partition(": ")
        event[key] = value
    raise AssertionError("the stream was never ended")


def test_a_stream_ends_when_its_mailbox_turns_private(app, live_server, send_mail):
    address = "turns-private@mayfly.test"
    send_mail(address, subject="While public")
    with urllib.request.urlopen(f"{live_server}/api/v1/mailboxes/{address}/events",
                                timeout=GENEROUS) as stream:
        send_mail(address, subject="Still public")
        first = read_event(stream, time.monotonic() + GENEROUS)
        assert json.loads(first["data"])["subject"] == "Still public"
        with app.app_context():
            mailbox_tokens.rotate_token(address, ANONYMOUS)  # protected from now on
        send_mail(address, subject="Private now")
        later = events_until_closed(stream, time.monotonic() + GENEROUS)
    assert [json.loads(e["data"])["subject"] for e in later] == []


def test_a_wait_answers_not_found_when_its_mailbox_turns_private(app, live_server, send_mail):
    address = "wait-private@mayfly.test"
    send_mail(address, subject="While public")
    with urllib.request.urlopen(f"{live_server}/api/v1/mailboxes/{address}/messages") as listing:
        newest = json.load(listing)["messages"][0]["id"]

    def wait() -> tuple[int, bytes]:
        url = f"{live_server}/api/v1/mailboxes/{address}/messages?wait=60&since={newest}"
        try:
            with urllib.request.urlopen(url, timeout=60 + GENEROUS) as answer:
                return answer.status, answer.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        held = pool.submit(wait)
        time.sleep(1)  # not decisive: a wait that starts after the change is refused as well
        with app.app_context():
            mailbox_tokens.rotate_token(address, ANONYMOUS)
        send_mail(address, subject="Private now")
        status, body = held.result(timeout=60 + GENEROUS)
    assert status == 404
    assert b"Private now" not in body
