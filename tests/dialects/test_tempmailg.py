"""tempmailg dialect: owner-checked mailboxes and messages, quota headers, errors."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.dialects.shapes import NULLABLE, assert_shape
from tests.factories import build_eml

BASE = "/compat/tempmailg/api"
MAILBOX = {"id": int, "email": str, "domain": str, "expire_at": str,
           "expires_in_seconds": (int, NULLABLE), "created_at": str, "email_token": str}
MESSAGE = {"is_seen": bool, "subject": str, "from": str, "from_email": str, "to": str,
           "receivedAt": str, "id": str, "html": bool, "content": str,
           "attachments": [{"name": str, "extension": str, "size": int, "url": str}]}


@pytest.fixture
def key(make_user, api_key_for):
    make_user("dev@example.org")
    return {"Authorization": f"Bearer {api_key_for('dev@example.org')}"}


def test_domains(client, key):
    response = client.get(f"{BASE}/domains", query_string={"type": "free"}, headers=key)
    assert response.json == {"status": True, "data": {
        "requested_type": "free", "allowed_types": ["free"],
        "domains": [{"domain": "mayfly.test", "type": "Free", "custom": False},
                    {"domain": "other.test", "type": "Free", "custom": False}]}}
    refused = client.get(f"{BASE}/domains", query_string={"type": "premium"}, headers=key)
    assert refused.status_code == 403
    assert_shape(refused.json, {"status": bool, "message": str})


def test_full_flow_over_smtp(client, key, send_mail, settings):
    public_url = settings.public_url  # attachment links start with PUBLIC_URL
    created = client.post(f"{BASE}/emails", headers=key)
    assert created.status_code == 200
    assert_shape(created.json, {"status": bool, "data": MAILBOX})
    box = created.json["data"]
    assert box["expires_in_seconds"] > 6 * 86400
    datetime.fromisoformat(box["expire_at"])
    send_mail(box["email"], build_eml(to=box["email"], sender="Example Sender <hello@example.org>",
                                      subject="Welcome to Temp Mail", text="t",
                                      html="<p>Hello from the inbox.</p>",
                                      attachments=[("file.txt", "text/plain", b"x" * 91)]))
    listing = client.get(f"{BASE}/messages", query_string={"email": box["email"]}, headers=key)
    assert_shape(listing.json, {"status": bool, "mailbox": str, "messages": [MESSAGE]})
    (message,) = listing.json["messages"]
    assert (message["from"], message["from_email"], message["to"]) == (
        "Example Sender", "hello@example.org", box["email"])
    assert message["html"] is True and message["content"].strip() == "<p>Hello from the inbox.</p>"
    assert len(message["id"]) == 43 and message["is_seen"] is False
    assert message["attachments"][0] == {
        "name": "file.txt", "extension": "txt", "size": 91,
        "url": f"{public_url}{BASE}/messages/{message['id']}/attachments/file.txt"}
    single = client.get(f"{BASE}/messages/{message['id']}", headers=key).json
    assert_shape(single, {"status": bool, "data": MESSAGE})
    assert single["data"]["is_seen"] is True
    download = client.get(f"{BASE}/messages/{message['id']}/attachments/file.txt", headers=key)
    assert download.data == b"x" * 91
    deleted = client.delete(f"{BASE}/messages/{message['id']}", headers=key)
    assert deleted.json == {"status": True, "message": "Message was deleted successfully."}
    assert client.get(f"{BASE}/messages/{message['id']}", headers=key).status_code == 404
    gone = client.delete(f"{BASE}/emails/{box['email']}", headers=key)
    assert gone.json == {"status": True, "message": "Email has been successfully deleted."}


def test_email_token_opens_the_browser_inbox(client, key, send_mail, app):
    box = client.post(f"{BASE}/emails", headers=key).json["data"]
    send_mail(box["email"], subject="Token opened")
    browser = app.test_client()
    assert "Token opened" not in browser.get(f"/inbox/{box['email']}").get_data(as_text=True)
    opened = browser.get(f"/inbox/{box['email']}?token={box['email_token']}")
    assert opened.status_code == 303 and "token" not in opened.headers["Location"]
    assert "Token opened" in browser.get(f"/inbox/{box['email']}").get_data(as_text=True)


def test_move_mailbox(client, key, send_mail):
    box = client.post(f"{BASE}/emails", headers=key).json["data"]
    send_mail(box["email"], subject="Moves along")
    moved = client.post(f"{BASE}/emails/{box['email']}/demo123/other.test", headers=key)
    assert moved.status_code == 200
    assert_shape(moved.json, {"status": bool, "data": MAILBOX})
    assert moved.json["data"]["email"] == "demo123@other.test"
    listing = client.get(f"{BASE}/messages", query_string={"email": "demo123@other.test"},
                         headers=key).json
    assert [m["subject"] for m in listing["messages"]] == ["Moves along"]
    other = client.post(f"{BASE}/emails", headers=key).json["data"]
    for target, status in (("demo123/other.test", 409), ("bad..name/mayfly.test", 422),
                           ("postmaster/mayfly.test", 403)):
        response = client.post(f"{BASE}/emails/{other['email']}/{target}", headers=key)
        assert response.status_code == status, target
        assert_shape(response.json, {"status": bool, "message": str})
    missing = client.post(f"{BASE}/emails/nobody@mayfly.test/x123/mayfly.test", headers=key)
    assert missing.status_code == 404


def test_another_users_mailbox_and_message_are_404(client, key, make_user, api_key_for,
                                                   send_mail):
    box = client.post(f"{BASE}/emails", headers=key).json["data"]
    send_mail(box["email"])
    message_id = client.get(f"{BASE}/messages", query_string={"email": box["email"]},
                            headers=key).json["messages"][0]["id"]
    make_user("eve@example.org")
    eve = {"Authorization": f"Bearer {api_key_for('eve@example.org')}"}
    for method, path in (("GET", f"{BASE}/messages?email={box['email']}"),
                         ("GET", f"{BASE}/messages/{message_id}"),
                         ("DELETE", f"{BASE}/messages/{message_id}"),
                         ("GET", f"{BASE}/messages/{message_id}/attachments/x.txt"),
                         ("DELETE", f"{BASE}/emails/{box['email']}"),
                         ("POST", f"{BASE}/emails/{box['email']}/stolen/mayfly.test")):
        response = client.open(path, method=method, headers=eve)
        assert response.status_code == 404, path
        assert response.json["status"] is False


def test_public_mailboxes_are_not_readable_here(client, key, send_mail):
    send_mail("public@mayfly.test")
    response = client.get(f"{BASE}/messages", query_string={"email": "public@mayfly.test"},
                          headers=key)
    assert response.status_code == 404


@pytest.mark.parametrize("message_id", ["x" * 43, "short", "0" * 43])
def test_forged_message_ids_are_404(client, key, message_id):
    assert client.get(f"{BASE}/messages/{message_id}", headers=key).status_code == 404


@pytest.mark.parametrize("header", [None, "Bearer mf_wrong_key", "Token abc"])
def test_missing_or_bad_key_is_401(client, header):
    response = client.get(f"{BASE}/domains", headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    assert_shape(response.json, {"status": bool, "message": str})


def test_quota_headers_count_only_2xx(client, key, app):
    first = client.get(f"{BASE}/domains", headers=key)
    assert first.headers["X-RateLimit-Used"] == "1"
    assert first.headers["X-RateLimit-Remaining"] == "49999"
    assert first.headers["X-RateLimit-Reset"].endswith("+00:00")
    refused = client.get(f"{BASE}/domains", query_string={"type": "premium"}, headers=key)
    assert refused.headers["X-RateLimit-Used"] == "1"
    # The native API and this door count against the same plan.
    assert client.get("/api/v1/domains", headers=key).headers["X-RateLimit-Used"] == "2"
    app.test_cli_runner().invoke(args=["users", "plan", "dev@example.org", "--requests", "2"])
    exhausted = client.get(f"{BASE}/domains", headers=key)
    assert exhausted.status_code == 429
    assert int(exhausted.headers["Retry-After"]) > 0
    assert_shape(exhausted.json, {"status": bool, "message": str})


def test_unknown_path_keeps_the_envelope(client, key):
    response = client.get(f"{BASE}/nothing", headers=key)
    assert response.status_code == 404
    assert_shape(response.json, {"status": bool, "message": str})
