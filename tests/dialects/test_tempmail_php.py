"""tempmail-php dialect: every endpoint's shape and error, end to end over SMTP."""

from __future__ import annotations

import re

import pytest

from tests.dialects.shapes import assert_shape
from tests.factories import build_eml

BASE = "/compat/tempmail-php/api.php"
SQL_TIME = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"
GENERATED = {"success": bool, "email": str, "username": str, "domain": str, "expires_at": str}


def test_generate_random_and_custom(client):
    random = client.get(f"{BASE}/generate")
    assert random.status_code == 200
    assert_shape(random.json, GENERATED)
    assert random.json["success"] is True
    custom = client.get(f"{BASE}/generate", query_string={"username": "JohnSmith"}).json
    assert custom["email"] == "johnsmith@mayfly.test" and custom["username"] == "johnsmith"
    assert re.fullmatch(SQL_TIME, custom["expires_at"])
    other = client.get(f"{BASE}/generate", query_string={"username": "abc", "domain": "other.test"})
    assert other.json["email"] == "abc@other.test"


@pytest.mark.parametrize(("username", "status", "error"), [
    ("ab", 400, "Invalid username. Use 3-20 alphanumeric characters only."),
    ("a" * 21, 400, "Invalid username. Use 3-20 alphanumeric characters only."),
    ("john.smith", 400, "Invalid username. Use 3-20 alphanumeric characters only."),
    ("admin", 403, "This username is reserved and cannot be used."),
    ("postmaster", 403, "This username is reserved and cannot be used."),
])
def test_generate_refusals(client, username, status, error):
    response = client.get(f"{BASE}/generate", query_string={"username": username})
    assert response.status_code == status
    assert response.json == {"success": False, "error": error}


def test_generate_taken(client):
    client.get(f"{BASE}/generate", query_string={"username": "twice"})
    response = client.get(f"{BASE}/generate", query_string={"username": "twice"})
    assert response.status_code == 409
    assert response.json == {"success": False,
                             "error": "Username already taken. Please choose another one."}


def test_full_flow_over_smtp(client, send_mail):
    client.get(f"{BASE}/generate", query_string={"username": "flow"})
    send_mail("flow@mayfly.test", build_eml(
        to="flow@mayfly.test", sender="John Doe <sender@example.com>", subject="Welcome!",
        text="Hello", html="<h1>Welcome!</h1>",
        attachments=[("document.pdf", "application/pdf", b"%PDF" * 100)]))
    inbox = client.get(f"{BASE}/inbox/flow%40mayfly.test")
    assert inbox.status_code == 200
    assert_shape(inbox.json, {"success": bool, "email": str, "created_at": str,
                              "expires_at": str, "total": int, "emails": [
                                  {"id": int, "from_email": str, "from_name": str, "subject": str,
                                   "is_read": int, "received_at": str}]})
    (item,) = inbox.json["emails"]
    assert (item["from_name"], item["is_read"], inbox.json["total"]) == ("John Doe", 0, 1)
    detail = client.get(f"{BASE}/email/{item['id']}").json
    assert_shape(detail, {"success": bool, "email": {
        "id": int, "email_address_id": int, "from_email": str, "from_name": str, "subject": str,
        "body_text": str, "body_html": str, "is_read": int, "received_at": str},
        "attachments": [{"id": int, "filename": str, "size": int, "content_type": str,
                         "file_path": str}]})
    assert detail["email"]["is_read"] == 1
    assert client.get(f"{BASE}/inbox/flow@mayfly.test").json["emails"][0]["is_read"] == 1
    (attachment,) = detail["attachments"]
    assert 2**32 <= attachment["id"] < 2**53
    download = client.get(attachment["file_path"])
    assert attachment["file_path"].startswith(BASE + "/")
    assert download.data == b"%PDF" * 100
    deleted = client.delete(f"{BASE}/email/{item['id']}")
    assert deleted.json == {"success": True, "deleted_id": str(item["id"])}
    assert client.get(f"{BASE}/email/{item['id']}").status_code == 404
    assert client.get(attachment["file_path"]).status_code == 404


def test_unknown_protected_and_reserved_inbox_look_the_same(client, send_mail):
    client.post("/api/v1/mailboxes", json={"local": "secret", "protected": True})
    send_mail("secret@mayfly.test")
    send_mail("postmaster@mayfly.test")
    for address in ("ghost@mayfly.test", "secret@mayfly.test", "postmaster@mayfly.test"):
        response = client.get(f"{BASE}/inbox/{address}")
        assert response.status_code == 404
        assert response.json == {"error": "Email not found", "searched_for": address,
                                 "hint": "Generate this email first via /generate endpoint"}


def test_protected_message_and_attachment_unreachable_by_id(client, send_mail, app):
    created = client.post("/api/v1/mailboxes", json={"local": "locked", "protected": True}).json
    send_mail("locked@mayfly.test", attachments=[("a.txt", "text/plain", b"secret")])
    auth = {"Authorization": f"Bearer {created['token']}"}
    message_id = client.get("/api/v1/mailboxes/locked@mayfly.test/messages",
                            headers=auth).json["messages"][0]["id"]
    assert client.get(f"{BASE}/email/{message_id}").json == {"error": "Email not found"}
    assert client.delete(f"{BASE}/email/{message_id}").status_code == 404
    with app.app_context():
        # The number the door would show for it, were the mailbox public.
        from app.extensions import db
        from app.models import Attachment
        from app.services.stored_mail import attachment_numbers

        message_id = db.session.execute(db.select(Attachment.message_id)).scalar_one()
        number = attachment_numbers.number_of(message_id, 0)
    assert client.get(f"{BASE}/attachment/{number}").status_code == 404


def test_attachment_numbers_are_derived_never_written(client, send_mail, app):
    """Storing mail and showing it write nothing for this door: each attachment's number
    comes from its row, is the same on every read, and downloads that attachment."""
    from app.extensions import db
    from app.models import AttachmentNumber

    client.get(f"{BASE}/generate", query_string={"username": "numbered"})
    send_mail("numbered@mayfly.test", build_eml(
        to="numbered@mayfly.test", subject="Two files",
        attachments=[("a.txt", "text/plain", b"first"), ("b.txt", "text/plain", b"second")]))
    (item,) = client.get(f"{BASE}/inbox/numbered@mayfly.test").json["emails"]
    shown = client.get(f"{BASE}/email/{item['id']}").json["attachments"]
    numbers = [a["id"] for a in shown]
    assert len(set(numbers)) == 2 and all(2**32 <= n < 2**53 for n in numbers)
    with app.app_context():
        assert db.session.execute(db.select(db.func.count()).select_from(
            AttachmentNumber)).scalar_one() == 0
    client.delete(f"{BASE}/email/{item['id']}")  # a fresh read, not a kept answer
    send_mail("numbered@mayfly.test", build_eml(
        to="numbered@mayfly.test", subject="One file",
        attachments=[("c.txt", "text/plain", b"third")]))
    (later,) = client.get(f"{BASE}/inbox/numbered@mayfly.test").json["emails"]
    first = client.get(f"{BASE}/email/{later['id']}").json["attachments"]
    assert client.get(f"{BASE}/email/{later['id']}").json["attachments"] == first
    assert client.get(first[0]["file_path"]).data == b"third"
    assert first[0]["id"] not in numbers
    for number in numbers:  # the deleted message's attachments are gone with it
        assert client.get(f"{BASE}/attachment/{number}").status_code == 404


def test_stats_and_domains(client, send_mail):
    send_mail("s@mayfly.test")
    stats = client.get(f"{BASE}/stats").json
    assert_shape(stats, {"success": bool, "stats": {"id": int, "total_emails": int,
                                                    "total_addresses": int, "total_received": int,
                                                    "last_updated": str}})
    assert stats["stats"]["total_emails"] == 1 and stats["stats"]["total_received"] >= 1
    assert client.get(f"{BASE}/domains").json == {"success": True,
                                                  "domains": ["mayfly.test", "other.test"]}


def test_unknown_endpoint_and_wrong_method(client):
    unknown = client.get(f"{BASE}/unknown")
    assert unknown.status_code == 404
    assert unknown.json == {"error": "Invalid endpoint: /unknown"}
    wrong = client.post(f"{BASE}/generate")
    assert wrong.status_code == 405
    assert wrong.json == {"error": "Method not allowed"}
