"""Waiting on an address before anything is sent to it, and plus-address tags that keep one
test run's messages apart, over real SMTP and HTTP (and the Python client)."""

from __future__ import annotations

import time

import requests

from mayfly_client import Mayfly
from tests.held import held_calls, once_held

API = "/api/v1"


def test_a_wait_on_an_unused_address_holds_until_its_first_message(live_server, send_mail,
                                                                   app):
    sender = once_held(app, send_mail, "brand-new@mayfly.test", subject="First ever")
    answer = requests.get(f"{live_server}{API}/mailboxes/brand-new@mayfly.test/messages",
                          params={"wait": 30}, timeout=60)
    sender.join()
    assert answer.status_code == 200
    assert [m["subject"] for m in answer.json()["messages"]] == ["First ever"]


def test_the_stream_of_an_unused_address_delivers_its_first_message(live_server, send_mail):
    stream = requests.get(f"{live_server}{API}/mailboxes/streamed-new@mayfly.test/events",
                          stream=True, timeout=60)
    assert stream.status_code == 200  # the stream is open: what comes now is its to tell
    send_mail("streamed-new@mayfly.test", subject="Streamed")
    lines = stream.iter_lines(decode_unicode=True)
    event = next(line for line in lines if line.startswith("data:"))
    stream.close()
    assert '"subject": "Streamed"' in event


def test_unwaitable_addresses_answer_at_once(client, make_user, api_key_for, app):
    from app.services.mailbox_life import mailboxes

    with app.app_context():
        mailboxes.create_mailbox("locked", protected=True)
    for address in ("postmaster@mayfly.test", "x@not-ours.example", "locked@mayfly.test"):
        started = time.monotonic()
        answer = client.get(f"{API}/mailboxes/{address}/messages", query_string={"wait": 60})
        assert answer.status_code == 404
        # Refused, not held for the whole wait: a held call would take all 60 s.
        assert time.monotonic() - started < 45


def test_a_refused_wait_gives_its_slot_back(client, app):
    # The slot is taken first (a fair share, or 429), then the mailbox is looked at: a wait
    # that ends in an error must still let go of it, or a few 404s would use up the process.
    for _ in range(3):
        answer = client.get(f"{API}/mailboxes/postmaster@mayfly.test/messages",
                            query_string={"wait": 60})
        assert answer.status_code == 404
        assert held_calls(app) == 0


def test_plus_addressing_keeps_each_tag_apart(live_server, send_mail):
    send_mail("signup+test_41@mayfly.test", subject="For test 41")
    send_mail("signup+Test_42@mayfly.test", subject="For test 42")
    send_mail("signup@mayfly.test", subject="Untagged")
    url = f"{live_server}{API}/mailboxes/signup@mayfly.test/messages"
    everything = requests.get(url, timeout=10).json()["messages"]
    assert [(m["subject"], m["tag"]) for m in everything] == [
        ("Untagged", None), ("For test 42", "test_42"), ("For test 41", "test_41")]
    only = requests.get(url, params={"tag": "test_42"}, timeout=10).json()["messages"]
    assert [m["subject"] for m in only] == ["For test 42"]
    full = requests.get(f"{live_server}{API}/messages/{only[0]['id']}", timeout=10).json()
    assert full["tag"] == "test_42" and full["mailbox"] == "signup@mayfly.test"


def test_the_client_waits_for_a_tag(live_server, send_mail, app):
    mayfly = Mayfly(live_server)
    send_mail("runner+other@mayfly.test", subject="Not mine")
    sender = once_held(app, send_mail, "runner+t7@mayfly.test", subject="Mine")
    message = mayfly.wait_for_message("runner@mayfly.test", tag="t7", timeout=30)
    sender.join()
    assert message["subject"] == "Mine" and message["tag"] == "t7"
    assert [m["tag"] for m in mayfly.messages("runner@mayfly.test", tag="other")] == ["other"]
