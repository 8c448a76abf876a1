"""tempemail dialect: accounts with JWTs, paginated messages, raw, read, limits, errors."""

from __future__ import annotations

import jwt
import pytest

from tests.dialects.shapes import NULLABLE, assert_shape
from tests.factories import build_eml

BASE = "/compat/tempemail/api"
ITEM = {"id": str, "from": str, "to": str, "subject": str, "summary": str, "size": int,
        "isRead": bool, "createdAt": int}


def envelope_of(data_shape):
    return {"code": int, "message": str, "data": data_shape}


def register(client, email="me@mayfly.test", password="securePassword123"):
    return client.post(f"{BASE}/accounts", json={"email": email, "password": password})


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def account(client):
    response = register(client, "Me@Mayfly.test")
    assert response.status_code == 200, response.json
    return response.json["data"]


def test_register_and_login(client, account, app):
    assert account["name"] == "me@mayfly.test"
    assert account["quota"] == 104857600 and account["used"] == 0
    payload = jwt.decode(account["token"], app.config["SECRET_KEY"], algorithms=["HS256"])
    assert set(payload) == {"iat", "exp", "id", "key"} and payload["id"] == account["id"]
    assert payload["exp"] - payload["iat"] == 24 * 3600  # ACCOUNT_TOKEN_TTL
    token = client.post(f"{BASE}/token", json={"email": "me@mayfly.test",
                                               "password": "securePassword123"})
    assert_shape(token.json, envelope_of({"id": str, "email": str, "token": str}))
    me = client.get(f"{BASE}/me", headers=bearer(token.json["data"]["token"]))
    assert_shape(me.json, envelope_of({"id": str, "name": str, "quota": int, "used": int,
                                       "status": int, "createdAt": int}))
    assert me.json["code"] == 200 and me.json["data"]["status"] == 1


def test_register_answer_shape(client):
    response = register(client, "shape@mayfly.test")
    assert_shape(response.json, envelope_of({"id": str, "name": str, "quota": int, "used": int,
                                             "token": str, "createdAt": int}))


def test_registration_is_limited_per_ip(client, account):
    response = register(client, "second@mayfly.test")
    assert response.status_code == 429
    assert response.json == {"code": 429, "message": "Too Many Requests", "data": None}
    assert int(response.headers["Retry-After"]) > 0


@pytest.mark.parametrize(("email", "password"), [
    ("bad", "securePassword123"), ("x@elsewhere.example", "securePassword123"),
    ("postmaster@mayfly.test", "securePassword123"), ("short@mayfly.test", "abc"),
])
def test_registration_refusals_are_400(make_app, email, password):
    client = make_app().test_client()  # a fresh limiter window is not needed: each is refused
    response = register(client, email, password)
    assert response.status_code in (400, 429)
    assert response.json["data"] is None
    assert response.json["code"] == response.status_code


def test_taken_address_is_400(make_app, client, account):
    response = register(make_app().test_client(), "me@mayfly.test")
    assert response.status_code in (400, 429)


def test_wrong_password_and_bad_tokens_are_401(client, account, app):
    wrong = client.post(f"{BASE}/token", json={"email": "me@mayfly.test", "password": "nope!!"})
    assert wrong.status_code == 401 and wrong.json["data"] is None
    forged = jwt.encode({"iat": 1, "id": account["id"]}, "not-the-secret-" * 4, algorithm="HS256")
    for headers in ({}, bearer("garbage"), bearer(forged), {"Authorization": "Basic x"}):
        response = client.get(f"{BASE}/me", headers=headers)
        assert response.status_code == 401
        assert response.json["code"] == 401 and response.json["data"] is None


def test_disabled_account_is_403(client, account, app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["mailboxes", "disable", "me@mayfly.test"]).exit_code == 0
    assert client.get(f"{BASE}/me", headers=bearer(account["token"])).status_code == 403
    login = client.post(f"{BASE}/token", json={"email": "me@mayfly.test",
                                               "password": "securePassword123"})
    assert login.status_code == 403


def test_messages_flow_over_smtp(client, account, send_mail):
    auth = bearer(account["token"])
    for i in range(12):
        send_mail("me@mayfly.test", build_eml(
            to="me@mayfly.test", subject=f"m{i}", text=f"body {i}",
            attachments=[("a.txt", "text/plain", b"A")] if i == 11 else []))
    first = client.get(f"{BASE}/messages", query_string={"limit": 10}, headers=auth).json
    assert_shape(first, envelope_of({"items": [ITEM], "pagination": {
        "nextCursor": (str, NULLABLE), "limit": int}}))
    assert [m["subject"] for m in first["data"]["items"]][:2] == ["m11", "m10"]
    assert len(first["data"]["items"]) == 10
    second = client.get(f"{BASE}/messages", headers=auth, query_string={
        "limit": 10, "cursor": first["data"]["pagination"]["nextCursor"]}).json["data"]
    assert [m["subject"] for m in second["items"]] == ["m1", "m0"]
    assert second["pagination"]["nextCursor"] is None
    newest = first["data"]["items"][0]
    detail = client.get(f"{BASE}/messages/{newest['id']}", headers=auth).json
    assert_shape(detail, envelope_of({**ITEM, "text": str, "html": str, "attachments": [
        {"id": str, "filename": str, "contentType": str, "size": int, "downloadUrl": str}]}))
    download = client.get(detail["data"]["attachments"][0]["downloadUrl"], headers=auth)
    assert download.data == b"A"
    assert client.get(detail["data"]["attachments"][0]["downloadUrl"]).status_code == 401
    me = client.get(f"{BASE}/me", headers=auth).json["data"]
    assert me["used"] > 0


def test_raw_is_exactly_as_received(client, account, send_mail):
    raw = build_eml(to="me@mayfly.test", subject="Grüße", text="naïve ✓")
    send_mail("me@mayfly.test", raw)
    auth = bearer(account["token"])
    (item,) = client.get(f"{BASE}/messages", headers=auth).json["data"]["items"]
    response = client.get(f"{BASE}/messages/{item['id']}/raw", headers=auth).json
    assert_shape(response, envelope_of({"raw": str}))
    assert response["data"]["raw"].encode("utf-8") == raw


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH"])
def test_mark_read_with_any_method(client, account, send_mail, method):
    send_mail("me@mayfly.test")
    auth = bearer(account["token"])
    (item,) = client.get(f"{BASE}/messages", headers=auth).json["data"]["items"]
    response = client.open(f"{BASE}/messages/{item['id']}/read", method=method, headers=auth)
    assert response.json == {"code": 200, "message": "success",
                             "data": {"id": item["id"], "isRead": True}}
    assert client.get(f"{BASE}/messages", headers=auth).json["data"]["items"][0]["isRead"] is True


def test_delete_message_and_account(client, account, send_mail):
    send_mail("me@mayfly.test")
    auth = bearer(account["token"])
    (item,) = client.get(f"{BASE}/messages", headers=auth).json["data"]["items"]
    assert client.delete(f"{BASE}/messages/{item['id']}", headers=auth).json["code"] == 200
    assert client.get(f"{BASE}/messages/{item['id']}", headers=auth).status_code == 404
    assert client.delete(f"{BASE}/accounts", headers=auth).json == {
        "code": 200, "message": "success", "data": None}
    assert client.get(f"{BASE}/me", headers=auth).status_code == 401  # the token is revoked
    assert client.get("/api/v1/mailboxes/me@mayfly.test").status_code == 404


def test_account_mailbox_is_invisible_to_public_doors(client, account, send_mail):
    send_mail("me@mayfly.test", subject="private")
    assert client.get("/compat/1secmail/api/v1/", query_string={
        "action": "getMessages", "login": "me", "domain": "mayfly.test"}).json == []
    assert client.get("/compat/tempmail-php/api.php/inbox/me@mayfly.test").status_code == 404


def test_limit_out_of_range_is_400(client, account):
    for limit in (9, 51, "x"):
        response = client.get(f"{BASE}/messages", query_string={"limit": limit},
                              headers=bearer(account["token"]))
        assert response.status_code == 400 and response.json["code"] == 400


def test_domains_open_without_token_but_checked_with_one(client):
    response = client.get(f"{BASE}/domains")
    assert_shape(response.json, envelope_of([{"id": str, "domain": str}]))
    assert [d["domain"] for d in response.json["data"]] == ["mayfly.test", "other.test"]
    assert client.get(f"{BASE}/domains", headers=bearer("bad")).status_code == 401


def test_another_accounts_message_is_404(client, make_app, account, send_mail):
    other = register(make_app().test_client(), "other@mayfly.test").json["data"]
    send_mail("me@mayfly.test")
    (item,) = client.get(f"{BASE}/messages", headers=bearer(account["token"])).json["data"]["items"]
    assert client.get(f"{BASE}/messages/{item['id']}",
                      headers=bearer(other["token"])).status_code == 404


def test_quota_refused_at_smtp_with_552(make_app, app, smtp_server):
    import smtplib

    from app.smtp.server import build_controller
    from tests.conftest import free_port

    small = make_app(mailbox_quota=2000)
    register(small.test_client(), "tiny@mayfly.test")
    controller = build_controller(small, small.config["MAYFLY"], "127.0.0.1", free_port())
    controller.start()
    try:
        with smtplib.SMTP(controller.hostname, controller.port) as smtp, \
                pytest.raises(smtplib.SMTPDataError) as info:
            smtp.sendmail("a@example.org", ["tiny@mayfly.test"], build_eml(text="z" * 3000))
    finally:
        controller.stop()
    assert info.value.smtp_code == 552


def test_unknown_path_keeps_the_envelope(client):
    response = client.get(f"{BASE}/nothing")
    assert response.json == {"code": 404, "message": "Not Found", "data": None}
