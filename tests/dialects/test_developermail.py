"""developermail dialect: token mailboxes, tick ids, raw MIME, send-to-self, 10 req/s."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from app.mail.mime import parse
from tests.dialects.shapes import assert_shape
from tests.factories import build_eml

BASE = "/compat/developermail/api/v1"
NOT_FOUND = {"success": False, "errors": [{"code": 404, "message": "Not Found",
                                           "detail": "Not Found"}], "result": False}
NOT_AUTHORIZED = {"success": False, "errors": [{"code": 403, "message": "Not Authorized",
                                                "detail": "Not Authorized"}], "result": False}


def ok(result):
    return {"success": True, "errors": None, "result": result}


@pytest.fixture
def box(client):
    response = client.put(f"{BASE}/mailbox")
    assert response.status_code == 200
    assert_shape(response.json, {"success": bool, "errors": type(None),
                                 "result": {"name": str, "token": str}})
    result = response.json["result"]
    assert re.fullmatch(r"[0-9A-F]{40}", result["token"])
    return result["name"], {"X-MailboxToken": result["token"]}


def test_full_flow_over_smtp(client, box, send_mail):
    name, auth = box
    raws = [build_eml(to=f"{name}@mayfly.test", subject=f"Test {i}", text="Test Body")
            for i in range(3)]
    for raw in raws:
        send_mail(f"{name}@mayfly.test", raw)
    ids = client.get(f"{BASE}/mailbox/{name}", headers=auth).json
    assert ids["success"] is True and len(ids["result"]) == 3
    assert all(isinstance(i, str) and i.isdigit() for i in ids["result"])
    assert len(set(ids["result"])) == 3
    ticks = [int(i) for i in ids["result"]]
    assert ticks == sorted(ticks)  # oldest first
    received = datetime.fromtimestamp((ticks[0] - 621355968000000000) / 10_000_000, UTC)
    assert abs((datetime.now(UTC) - received).total_seconds()) < 60
    batch = client.post(f"{BASE}/mailbox/{name}/messages", headers=auth,
                        json=[ids["result"][0], "636659954289329835", ids["result"][2]]).json
    assert [item["key"] for item in batch["result"]] == [ids["result"][0], ids["result"][2]]
    assert batch["result"][0]["value"].encode() == raws[0]
    one = client.get(f"{BASE}/mailbox/{name}/messages/{ids['result'][1]}", headers=auth).json
    assert one == ok(raws[1].decode())
    assert client.delete(f"{BASE}/mailbox/{name}/messages/{ids['result'][1]}",
                         headers=auth).json == ok(True)
    assert len(client.get(f"{BASE}/mailbox/{name}", headers=auth).json["result"]) == 2
    missing = client.get(f"{BASE}/mailbox/{name}/messages/{ids['result'][1]}", headers=auth)
    assert missing.status_code == 404 and missing.json == NOT_FOUND


def test_send_to_self_builds_well_formed_mime(client, box):
    name, auth = box
    sent = client.put(f"{BASE}/mailbox/{name}/messages", headers=auth,
                      json={"subject": "Grüße ✓", "body": "<p>Hallo</p>", "isHtml": True})
    assert sent.json == ok(True)
    (message_id,) = client.get(f"{BASE}/mailbox/{name}", headers=auth).json["result"]
    raw = client.get(f"{BASE}/mailbox/{name}/messages/{message_id}", headers=auth).json["result"]
    assert "Subject: =?utf-8?" in raw  # RFC 2047, the header itself is ASCII
    assert re.search(r"^Date: .+\r$", raw, re.M)
    assert re.search(r"^Message-ID: <.+>\r$", raw, re.M)
    parsed = parse(raw.encode())
    assert parsed.subject == "Grüße ✓"
    assert parsed.sender.address == f"{name}@mayfly.test"
    assert parsed.html.strip() == "<p>Hallo</p>"
    # It is stored like any received mail, so the other doors see it too.
    assert client.get(f"/api/v1/mailboxes/{name}@mayfly.test/messages").status_code == 404


def test_token_reset_invalidates_the_old_token(client, box):
    name, auth = box
    reset = client.put(f"{BASE}/mailbox/{name}/token", headers=auth).json
    assert reset["result"]["name"] == name
    assert re.fullmatch(r"[0-9A-F]{40}", reset["result"]["token"])
    old = client.get(f"{BASE}/mailbox/{name}", headers=auth)
    assert old.status_code == 403 and old.json == NOT_AUTHORIZED
    new = {"X-MailboxToken": reset["result"]["token"]}
    assert client.get(f"{BASE}/mailbox/{name}", headers=new).json == ok([])


def test_wrong_or_missing_token_is_403_unknown_mailbox_is_404(client, box):
    name, _ = box
    for headers in ({}, {"X-MailboxToken": "0" * 40}):
        response = client.get(f"{BASE}/mailbox/{name}", headers=headers)
        assert response.status_code == 403 and response.json == NOT_AUTHORIZED
    other = client.put(f"{BASE}/mailbox").json["result"]
    wrong_box = client.get(f"{BASE}/mailbox/{name}", headers={"X-MailboxToken": other["token"]})
    assert wrong_box.status_code == 403
    unknown = client.get(f"{BASE}/mailbox/nobody-here", headers={"X-MailboxToken": "X"})
    assert unknown.status_code == 404 and unknown.json == NOT_FOUND


def test_public_mailbox_is_not_open_here_without_a_token(client, send_mail):
    send_mail("open@mayfly.test")
    response = client.get(f"{BASE}/mailbox/open")
    assert response.status_code == 403


def test_delete_mailbox(client, box, send_mail):
    name, auth = box
    send_mail(f"{name}@mayfly.test")
    assert client.delete(f"{BASE}/mailbox/{name}", headers=auth).json == ok(True)
    assert client.get(f"{BASE}/mailbox/{name}", headers=auth).status_code == 404


@pytest.mark.parametrize("body", ["not json", "{}", '["x"]', '{"subject": 5}'])
def test_bad_bodies_are_400_in_the_envelope(client, box, body):
    name, auth = box
    response = client.put(f"{BASE}/mailbox/{name}/messages", data=body,
                          headers={**auth, "Content-Type": "application/json"})
    if body == "{}":
        assert response.json == ok(True)  # every field has a default
        return
    assert response.status_code == 400
    assert response.json["success"] is False and response.json["errors"][0]["code"] == 400


def test_more_than_ten_requests_a_second_is_429(client, box):
    name, auth = box
    statuses = [client.get(f"{BASE}/mailbox/{name}", headers=auth).status_code for _ in range(12)]
    assert 429 in statuses
    refused = client.get(f"{BASE}/mailbox/{name}", headers=auth)
    assert refused.status_code == 429
    assert refused.json["errors"][0]["code"] == 429
    assert "Retry-After" in refused.headers


def test_unknown_path_keeps_the_envelope(client):
    response = client.get(f"{BASE}/nothing/here")
    assert response.status_code == 404 and response.json == NOT_FOUND
