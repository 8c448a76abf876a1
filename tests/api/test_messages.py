"""Native API: listing, reading, raw source, attachments, wait; checked against openapi.json."""

from __future__ import annotations

import itertools
import threading
import time

from tests.api.contract import call
from tests.factories import build_eml
from tests.held import held_calls, once_held


def new_mailbox(client, **body) -> dict:
    return call(client, "POST", "/mailboxes", json=body).json


def listing(client, address, **query):
    return call(client, "GET", "/mailboxes/{address}/messages", address=address, query=query)


def test_list_newest_first_with_cursor_pages(client, send_mail):
    address = new_mailbox(client)["address"]
    for i in range(5):
        send_mail(address, subject=f"m{i}")
    first = listing(client, address, limit=2).json
    assert [m["subject"] for m in first["messages"]] == ["m4", "m3"]
    second = listing(client, address, limit=2, cursor=first["next_cursor"]).json
    assert [m["subject"] for m in second["messages"]] == ["m2", "m1"]
    third = listing(client, address, limit=2, cursor=second["next_cursor"]).json
    assert [m["subject"] for m in third["messages"]] == ["m0"]
    assert third["next_cursor"] is None


def test_summary_fields(client, send_mail):
    address = new_mailbox(client)["address"]
    send_mail(address, sender="Alice <alice@example.org>", subject="Sum", text="Preview text here",
              attachments=[("a.txt", "text/plain", b"A")])
    (summary,) = listing(client, address).json["messages"]
    assert summary["from"] == {"name": "Alice", "address": "alice@example.org"}
    assert summary["preview"] == "Preview text here"
    assert summary["has_attachments"] is True
    assert summary["seen"] is False
    assert isinstance(summary["id"], int)
    assert 0 < summary["id"] < 2**53


def test_ids_are_not_sequential(client, send_mail):
    address = new_mailbox(client)["address"]
    for _ in range(4):
        send_mail(address)
    ids = sorted(m["id"] for m in listing(client, address).json["messages"])
    assert any(b - a != 1 for a, b in itertools.pairwise(ids))


def test_bad_list_parameters(client):
    address = new_mailbox(client)["address"]
    for query in ({"limit": 0}, {"limit": 101}, {"limit": "x"}, {"cursor": "99"},
                  {"wait": 61}, {"wait": "soon"}, {"since": "abc"}):
        response = listing(client, address, **query)
        assert response.status_code == 422, query


def test_full_message_and_attachment_bytes(client, send_mail):
    address = new_mailbox(client)["address"]
    payload = bytes(range(256)) * 40
    send_mail(address, sender="Bob <bob@example.org>", subject="Report", text="see attached",
              html="<p>see <b>attached</b></p>",
              attachments=[("report.bin", "application/octet-stream", payload)])
    (summary,) = listing(client, address).json["messages"]
    message = call(client, "GET", "/messages/{message_id}", message_id=summary["id"]).json
    assert message["mailbox"] == address
    assert message["to"] == [{"name": "", "address": address}]
    assert message["date"] == "2026-11-21T10:00:00+00:00"
    assert message["text"].strip() == "see attached"
    assert message["html"].strip() == "<p>see <b>attached</b></p>"
    assert ["Subject", "Report"] in message["headers"]
    (attachment,) = message["attachments"]
    assert attachment["filename"] == "report.bin"
    assert attachment["size"] == len(payload)
    download = client.get(attachment["url"])
    assert download.status_code == 200
    assert download.data == payload
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"


def test_html_attachment_is_never_rendered(client, send_mail):
    address = new_mailbox(client)["address"]
    send_mail(address, attachments=[("x.html", "text/html", b"<script>alert(1)</script>")])
    (summary,) = listing(client, address).json["messages"]
    (attachment,) = call(client, "GET", "/messages/{message_id}",
                         message_id=summary["id"]).json["attachments"]
    download = call(client, "GET", "/messages/{message_id}/attachments/{attachment_id}",
                    message_id=summary["id"], attachment_id=attachment["id"])
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert "sandbox" in download.headers["Content-Security-Policy"]


def test_raw_is_byte_for_byte(client, send_mail):
    address = new_mailbox(client)["address"]
    raw = build_eml(to=address, subject="Raw", text="exact bytes\r\n.leading dot")
    send_mail(address, raw)
    (summary,) = listing(client, address).json["messages"]
    response = call(client, "GET", "/messages/{message_id}/raw", message_id=summary["id"])
    assert response.mimetype == "message/rfc822"
    assert response.data == raw


def test_mark_seen_and_unseen(client, send_mail):
    address = new_mailbox(client)["address"]
    send_mail(address)
    (summary,) = listing(client, address).json["messages"]
    seen = call(client, "PATCH", "/messages/{message_id}", message_id=summary["id"],
                json={"seen": True})
    assert seen.json["seen"] is True
    assert call(client, "GET", "/mailboxes/{address}", address=address).json["unread"] == 0
    unseen = call(client, "PATCH", "/messages/{message_id}", message_id=summary["id"],
                  json={"seen": False})
    assert unseen.json["seen"] is False
    for bad in ({"seen": "yes"}, {"other": 1}, {}):
        response = call(client, "PATCH", "/messages/{message_id}", message_id=summary["id"],
                        json=bad)
        assert response.status_code == 422
    assert call(client, "PATCH", "/messages/{message_id}", message_id=summary["id"],
                data="nope").status_code == 400


def test_delete_message_frees_quota(client, send_mail):
    address = new_mailbox(client)["address"]
    send_mail(address)
    (summary,) = listing(client, address).json["messages"]
    assert call(client, "DELETE", "/messages/{message_id}",
                message_id=summary["id"]).status_code == 204
    assert call(client, "GET", "/messages/{message_id}",
                message_id=summary["id"]).status_code == 404
    assert call(client, "GET", "/mailboxes/{address}", address=address).json["used_bytes"] == 0


def test_protected_messages_need_the_token(client, send_mail):
    created = new_mailbox(client, protected=True)
    send_mail(created["address"], attachments=[("a.txt", "text/plain", b"secret")])
    auth = {"Authorization": f"Bearer {created['token']}"}
    (summary,) = call(client, "GET", "/mailboxes/{address}/messages",
                      address=created["address"], headers=auth).json["messages"]
    message_id = summary["id"]
    attachment = call(client, "GET", "/messages/{message_id}", message_id=message_id,
                      headers=auth).json["attachments"][0]
    for template, extra in (("/messages/{message_id}", {}), ("/messages/{message_id}/raw", {}),
                            ("/messages/{message_id}/attachments/{attachment_id}",
                             {"attachment_id": attachment["id"]})):
        response = call(client, "GET", template, message_id=message_id, **extra)
        assert response.status_code == 404, template
    assert call(client, "DELETE", "/messages/{message_id}",
                message_id=message_id).status_code == 404
    other = new_mailbox(client, protected=True)
    wrong = {"Authorization": f"Bearer {other['token']}"}
    assert call(client, "GET", "/messages/{message_id}", message_id=message_id,
                headers=wrong).status_code == 404


def test_wait_returns_as_soon_as_mail_arrives(client, send_mail, app):
    address = new_mailbox(client)["address"]
    # Sent once the server holds the wait; that new mail wakes a waiter (rather than its
    # deadline) is held by events, not clocks, in tests/services/test_changes.py.
    sender = once_held(app, send_mail, address, subject="Late")
    response = listing(client, address, wait=60)
    sender.join()
    assert [m["subject"] for m in response.json["messages"]] == ["Late"]


def test_wait_since_ignores_older_mail(client, send_mail, app):
    address = new_mailbox(client)["address"]
    send_mail(address, subject="Old")
    (old,) = listing(client, address).json["messages"]
    sender = once_held(app, send_mail, address, subject="New")
    response = listing(client, address, wait=60, since=old["id"])
    sender.join()
    assert [m["subject"] for m in response.json["messages"]] == ["New"]


def test_wait_times_out_empty(client):
    address = new_mailbox(client)["address"]
    started = time.monotonic()
    response = listing(client, address, wait=0.5)
    assert response.json == {"messages": [], "next_cursor": None}
    assert time.monotonic() - started >= 0.5


def test_large_attachment_streams_in_chunks(client, send_mail, monkeypatch):
    from app.services.stored_mail import blobs

    monkeypatch.setattr(blobs, "CHUNK", 1000)  # many chunks for a small payload
    address = new_mailbox(client)["address"]
    payload = bytes(range(256)) * 37  # 9,472 bytes: nine full chunks and a partial one
    send_mail(address, attachments=[("big.bin", "application/octet-stream", payload)])
    (summary,) = listing(client, address).json["messages"]
    (attachment,) = call(client, "GET", "/messages/{message_id}",
                         message_id=summary["id"]).json["attachments"]
    response = client.get(attachment["url"])
    assert response.is_streamed
    assert response.headers["Content-Length"] == str(len(payload))
    assert response.data == payload
    raw = client.get(f"/api/v1/messages/{summary['id']}/raw")
    assert raw.is_streamed and len(raw.data) == summary["size"]


def test_non_ascii_attachment_name_in_content_disposition(client, send_mail):
    address = new_mailbox(client)["address"]
    send_mail(address, attachments=[("€ rates.pdf", "application/pdf", b"%PDF")])
    (summary,) = listing(client, address).json["messages"]
    (attachment,) = call(client, "GET", "/messages/{message_id}",
                         message_id=summary["id"]).json["attachments"]
    disposition = client.get(attachment["url"]).headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''%E2%82%AC%20rates.pdf" in disposition


def test_concurrent_waits_are_capped(make_app, app, send_mail):
    capped = make_app(wait_max_concurrent=1)
    address = capped.test_client().post("/api/v1/mailboxes").json["address"]
    results = {}

    def wait_long() -> None:
        results["held"] = capped.test_client().get(
            f"/api/v1/mailboxes/{address}/messages", query_string={"wait": 60})

    holder = threading.Thread(target=wait_long)
    holder.start()
    deadline = time.monotonic() + 30  # however busy the machine, the holder gets its slot
    while held_calls(capped) < 1:
        assert time.monotonic() < deadline and holder.is_alive()
        time.sleep(0.05)
    refused = capped.test_client().get(f"/api/v1/mailboxes/{address}/messages",
                                       query_string={"wait": 2})
    send_mail(address, subject="Releases the holder")
    holder.join(60)
    assert results["held"].status_code == 200
    assert [m["subject"] for m in results["held"].json["messages"]] == ["Releases the holder"]
    assert refused.status_code == 429
    assert refused.json["error"]["code"] == "rate_limited"
    assert "Retry-After" in refused.headers


def test_oversized_json_body_is_413(client):
    response = client.post("/api/v1/mailboxes", data="x" * (2 * 1024 * 1024),
                           content_type="application/json")
    assert response.status_code == 413
    assert response.json["error"]["code"] == "too_large"
