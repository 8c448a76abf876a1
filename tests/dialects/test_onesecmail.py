"""1secmail dialect: every action's shape and error, end to end over SMTP."""

from __future__ import annotations

import re

import pytest

from tests.dialects.shapes import assert_shape
from tests.factories import build_eml

BASE = "/compat/1secmail/api/v1/"


def act(client, **params):
    return client.get(BASE, query_string=params)


def test_gen_random_mailbox(client):
    one = act(client, action="genRandomMailbox")
    assert one.status_code == 200 and len(one.json) == 1
    many = act(client, action="genRandomMailbox", count=10).json
    assert len(many) == 10
    for address in many:
        assert re.fullmatch(r"[a-z0-9]{6,12}@(mayfly\.test|other\.test)", address)
    for bad in (0, 501, "x"):
        response = act(client, action="genRandomMailbox", count=bad)
        assert response.status_code == 400
        assert_shape(response.json, {"error": str})


def test_domain_list(client):
    assert act(client, action="getDomainList").json == ["mayfly.test", "other.test"]


def test_full_flow_over_smtp(client, send_mail):
    send_mail("demo@mayfly.test", build_eml(
        to="demo@mayfly.test", sender="Bob <bob@example.org>", subject="Hi", text="plain",
        html="<p>rich</p>", attachments=[("iometer.pdf", "application/pdf", b"%PDF-1.4 demo")]))
    listing = act(client, action="getMessages", login="demo", domain="mayfly.test")
    assert listing.status_code == 200
    (item,) = listing.json
    assert_shape(item, {"id": int, "from": str, "subject": str, "date": str})
    assert item["from"] == "bob@example.org"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", item["date"])
    message = act(client, action="readMessage", login="demo", domain="mayfly.test",
                  id=item["id"]).json
    assert_shape(message, {"id": int, "from": str, "subject": str, "date": str,
                           "attachments": [{"filename": str, "contentType": str, "size": int}],
                           "body": str, "textBody": str, "htmlBody": str})
    assert message["body"] == message["htmlBody"] and "<p>rich</p>" in message["body"]
    assert message["attachments"] == [{"filename": "iometer.pdf",
                                       "contentType": "application/pdf", "size": 13}]
    download = act(client, action="download", login="demo", domain="mayfly.test", id=item["id"],
                   file="iometer.pdf")
    assert download.data == b"%PDF-1.4 demo"
    assert download.mimetype == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment")


def test_text_only_body_is_the_text(client, send_mail):
    send_mail("plain@mayfly.test", text="just text")
    (item,) = act(client, action="getMessages", login="plain", domain="mayfly.test").json
    message = act(client, action="readMessage", login="plain", domain="mayfly.test",
                  id=item["id"]).json
    assert message["body"].strip() == "just text" and message["htmlBody"] == ""


def test_unknown_and_protected_mailboxes_list_empty(client, send_mail):
    assert act(client, action="getMessages", login="nobody", domain="mayfly.test").json == []
    assert act(client, action="getMessages", login="x", domain="elsewhere.example").json == []
    client.post("/api/v1/mailboxes", json={"local": "hidden", "protected": True})
    send_mail("hidden@mayfly.test")
    assert act(client, action="getMessages", login="hidden", domain="mayfly.test").json == []


def test_protected_message_cannot_be_read_by_id(client, send_mail):
    created = client.post("/api/v1/mailboxes", json={"local": "hid", "protected": True}).json
    send_mail("hid@mayfly.test")
    auth = {"Authorization": f"Bearer {created['token']}"}
    message_id = client.get("/api/v1/mailboxes/hid@mayfly.test/messages",
                            headers=auth).json["messages"][0]["id"]
    response = act(client, action="readMessage", login="hid", domain="mayfly.test", id=message_id)
    assert response.status_code == 404
    assert_shape(response.json, {"error": str})


def test_message_of_another_mailbox_is_404(client, send_mail):
    send_mail("one@mayfly.test")
    (item,) = act(client, action="getMessages", login="one", domain="mayfly.test").json
    response = act(client, action="readMessage", login="two", domain="mayfly.test", id=item["id"])
    assert response.status_code == 404


@pytest.mark.parametrize("login", ["postmaster", "abuse", "Admin"])
def test_reserved_login_is_403(client, send_mail, login):
    send_mail(f"{login.lower()}@mayfly.test", subject="secret")
    response = act(client, action="getMessages", login=login, domain="mayfly.test")
    assert response.status_code == 403
    assert_shape(response.json, {"error": str})


@pytest.mark.parametrize("params", [
    {"action": "nope"}, {}, {"action": "getMessages", "login": "a"},
    {"action": "readMessage", "login": "a", "domain": "mayfly.test"},
    {"action": "readMessage", "login": "a", "domain": "mayfly.test", "id": "x"},
])
def test_bad_requests_are_400(client, params):
    response = act(client, **params)
    assert response.status_code == 400
    assert_shape(response.json, {"error": str})


def test_missing_message_and_attachment_are_404(client, send_mail):
    assert act(client, action="readMessage", login="a", domain="mayfly.test",
               id=1).status_code == 404
    send_mail("att@mayfly.test")
    (item,) = act(client, action="getMessages", login="att", domain="mayfly.test").json
    missing = act(client, action="download", login="att", domain="mayfly.test", id=item["id"],
                  file="nope.txt")
    assert missing.status_code == 404
    assert_shape(missing.json, {"error": str})


def test_unknown_path_in_dialect_space_keeps_the_envelope(client):
    response = client.get("/compat/1secmail/api/v1/whatever")
    assert response.status_code == 404
    assert_shape(response.json, {"error": str})
