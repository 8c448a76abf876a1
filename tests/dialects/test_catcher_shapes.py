"""Field by field: the MailHog, Mailpit and mail.tm doors answer in the shapes their
documentation (and the clients built on it) describe."""

from __future__ import annotations

import base64

import pytest

from app.services.mailbox_life import mailboxes
from tests.dialects.shapes import NULLABLE, assert_shape

PATH = {"Relays": NULLABLE, "Mailbox": str, "Domain": str, "Params": str}
ADDRESS = {"Name": str, "Address": str}
SUMMARY = {"ID": str, "MessageID": str, "Read": bool, "From": ADDRESS, "To": [ADDRESS],
           "Cc": [ADDRESS], "Bcc": [ADDRESS], "ReplyTo": [ADDRESS], "Subject": str,
           "Created": str, "Tags": list, "Size": int, "Attachments": int, "Snippet": str}
PART = {"PartID": str, "FileName": str, "ContentType": str, "ContentID": str, "Size": int,
        "Checksums": {"MD5": str, "SHA1": str, "SHA256": str}}


@pytest.fixture
def key(app, make_user, api_key_for, send_mail):
    user_id = make_user("owner@example.org")
    with app.app_context():
        mailboxes.create_mailbox("shapes", owner_id=user_id)
    send_mail("shapes@mayfly.test", subject="Shaped", html="<p>hi</p>",
              attachments=[("a.txt", "text/plain", b"abc")],
              headers={"Reply-To": "Replies <replies@example.org>",
                       "List-Unsubscribe": "<https://example.org/u>"})
    token = api_key_for("owner@example.org")
    return {"Authorization": "Basic " + base64.b64encode(f"x:{token}".encode()).decode()}


def test_mailhog_shapes(client, key):
    listing = client.get("/compat/mailhog/api/v2/messages", headers=key).json
    assert_shape(listing, {"total": int, "count": int, "start": int, "items": list})
    (item,) = listing["items"]
    assert_shape(item, {"ID": str, "From": PATH, "To": [PATH], "Created": str,
                        "Content": {"Headers": dict, "Body": str, "Size": int,
                                    "MIME": NULLABLE},
                        "MIME": {"Parts": list},
                        "Raw": {"From": str, "To": list, "Data": str, "Helo": str}})
    assert item["Content"]["Headers"]["Subject"] == ["Shaped"]
    assert item["To"] == [{"Relays": None, "Mailbox": "shapes", "Domain": "mayfly.test",
                           "Params": ""}]
    for part in item["MIME"]["Parts"]:
        assert_shape(part, {"Headers": dict, "Body": str, "Size": int, "MIME": NULLABLE})
    assert item["Created"].endswith("Z")
    assert client.delete("/compat/mailhog/api/v1/messages", headers=key).get_data() == b""


def test_mailpit_shapes(client, key):
    listing = client.get("/compat/mailpit/api/v1/messages", headers=key).json
    assert_shape(listing, {"total": int, "unread": int, "count": int, "messages_count": int,
                           "messages_unread": int, "start": int, "tags": list,
                           "messages": [SUMMARY]})
    summary = listing["messages"][0]
    assert summary["ReplyTo"] == [{"Name": "Replies", "Address": "replies@example.org"}]
    message = client.get(f"/compat/mailpit/api/v1/message/{summary['ID']}", headers=key).json
    assert_shape(message, {**SUMMARY, "Attachments": [PART], "Inline": [PART],
                           "ReturnPath": str, "Date": str, "Text": str, "HTML": str,
                           "ListUnsubscribe": {"Header": str, "HeaderPost": str,
                                               "Links": list, "Errors": str}})
    assert message["ListUnsubscribe"]["Links"] == ["https://example.org/u"]
    headers = client.get(f"/compat/mailpit/api/v1/message/{summary['ID']}/headers",
                         headers=key).json
    assert list(headers) == sorted(headers) and headers["Reply-To"] == [
        "Replies <replies@example.org>"]
    ok = client.put("/compat/mailpit/api/v1/messages", headers=key, json={"Read": True})
    assert (ok.status_code, ok.get_data(as_text=True), ok.mimetype) == (200, "ok", "text/plain")
    missing = client.get("/compat/mailpit/api/v1/message/4294967297", headers=key)
    assert missing.status_code == 404 and missing.mimetype == "text/plain"
    view = client.get(f"/compat/mailpit/view/{summary['ID']}.html", headers=key)
    assert "sandbox" in view.headers["Content-Security-Policy"]


def _register(client, address="shape@mayfly.test", accept="application/ld+json"):
    return client.post("/compat/mailtm/accounts", headers={"Accept": accept},
                       json={"address": address, "password": "password1"})


def test_mailtm_shapes(client, send_mail):
    account = _register(client)
    assert account.status_code == 201 and account.mimetype == "application/ld+json"
    assert_shape(account.json, {"@context": str, "@id": str, "@type": str, "id": str,
                                "address": str, "quota": int, "used": int,
                                "isDisabled": bool, "isDeleted": bool, "createdAt": str,
                                "updatedAt": str})
    token = client.post("/compat/mailtm/token", json={"address": "shape@mayfly.test",
                                                      "password": "password1"}).json
    assert_shape(token, {"token": str, "id": str})
    auth = {"Authorization": f"Bearer {token['token']}"}
    send_mail("shape@mayfly.test", subject="Shaped", attachments=[("a.txt", "text/plain",
                                                                   b"abc")])
    ld = client.get("/compat/mailtm/messages", headers=auth).json
    assert ld["@type"] == "hydra:Collection" and ld["hydra:totalItems"] == 1
    plain = client.get("/compat/mailtm/messages",
                       headers={**auth, "Accept": "application/json"}).json
    (item,) = plain
    assert_shape(item, {"id": str, "accountId": str, "msgid": str,
                        "from": {"address": str, "name": str},
                        "to": [{"address": str, "name": str}], "subject": str, "intro": str,
                        "seen": bool, "isDeleted": bool, "hasAttachments": bool, "size": int,
                        "downloadUrl": str, "createdAt": str, "updatedAt": str})
    full = client.get(f"/compat/mailtm/messages/{item['id']}",
                      headers={**auth, "Accept": "application/json"}).json
    assert {"cc", "bcc", "text", "html", "attachments", "flagged", "verifications",
            "retention", "retentionDate"} <= set(full)
    assert_shape(full["attachments"][0], {
        "id": str, "filename": str, "contentType": str, "disposition": str,
        "transferEncoding": str, "related": bool, "size": int, "downloadUrl": str})
    download = client.get("/compat/mailtm" + full["attachments"][0]["downloadUrl"],
                          headers=auth)
    assert download.get_data() == b"abc"
    source = client.get(f"/compat/mailtm/sources/{item['id']}", headers=auth).json
    assert {"id", "downloadUrl", "data"} <= set(source)
    taken = _register(client)
    assert taken.status_code == 422 and taken.json["violations"][0]["propertyPath"] == "address"
    assert client.get("/compat/mailtm/me").status_code == 401
    assert client.get("/compat/mailtm/domains", headers={"Authorization": "Bearer "}
                      ).status_code == 200  # an empty token on a public route is no token
    assert client.get("/compat/mailtm/accounts/999999", headers=auth).status_code == 404
