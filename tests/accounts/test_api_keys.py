"""API keys and quota headers on the native API, and owned mailboxes."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from app.extensions import db
from app.models import ApiKey
from app.web import shown_once
from tests.api.contract import call
from tests.web.helpers import csrf_token
from tests.web.login import log_in


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_key_shown_once_and_stored_as_hash(client, make_user, app):
    make_user("dev@example.org")
    log_in(client, "dev@example.org")
    response = client.post("/account/keys", data={"csrf_token": csrf_token(client, "/account"),
                                                  "name": "CI runner"})
    # Post/Redirect/Get: a reload of the page it lands on never makes a second key.
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/account#shown-once")
    cookie = client.get_cookie("session").value
    page = client.get("/account").get_data(as_text=True)
    assert "Key CI runner created: copy it now" in page
    import re

    secret = re.search(r'<output id="new-key" class="mono key">([^<]+)</output>', page).group(1)
    assert secret.startswith("mf_") and len(secret) > 40
    # The cookie that carried it to the page holds it only encrypted.
    with app.test_request_context():
        carried = app.session_interface.get_signing_serializer(app).loads(cookie)
    assert carried["shown_once"]["kind"] == "key"
    assert secret not in repr(carried) and secret.split("_", 1)[1][:12] not in cookie
    assert secret not in client.get("/account").get_data(as_text=True)
    with app.app_context():
        key = db.session.execute(sa.select(ApiKey)).scalar_one()
        assert key.name == "CI runner"
        assert secret.startswith(key.prefix + "_")
        assert secret not in (key.key_hash, key.prefix)
    assert f"{key.prefix}_…" in client.get("/account").get_data(as_text=True)


def _key_page_after(client, make_user, monkeypatch, seconds: int) -> str:
    """The account page, read `seconds` after the key was created (on shown_once's clock)."""
    make_user("dev@example.org")
    log_in(client, "dev@example.org")
    created_at = shown_once.now()
    monkeypatch.setattr(shown_once, "now", lambda: created_at)
    client.post("/account/keys", data={"csrf_token": csrf_token(client, "/account"),
                                       "name": "forgotten"})
    monkeypatch.setattr(shown_once, "now", lambda: created_at + seconds)
    return client.get("/account").get_data(as_text=True)


def test_a_key_left_unshown_for_long_is_never_shown(client, make_user, monkeypatch):
    page = _key_page_after(client, make_user, monkeypatch, shown_once.MAX_AGE_SECONDS + 60)
    assert 'id="new-key"' not in page and "Copy it now" not in page
    assert "forgotten" in page  # the key exists; only its secret is not shown


def test_a_key_read_within_its_age_is_shown(client, make_user, monkeypatch):
    page = _key_page_after(client, make_user, monkeypatch, shown_once.MAX_AGE_SECONDS - 60)
    assert 'id="new-key"' in page and "Copy it now" in page


def test_key_acts_as_its_user_and_owns_what_it_creates(client, make_user, api_key_for,
                                                       send_mail):
    make_user("dev@example.org")
    key = api_key_for("dev@example.org")
    created = call(client, "POST", "/mailboxes", json={"local": "ci-run"}, headers=bearer(key))
    assert created.status_code == 201
    assert created.json["protected"] is True and "token" not in created.json
    expires = datetime.fromisoformat(created.json["expires_at"])
    assert (expires - datetime.fromisoformat(created.json["created_at"])).days == 7
    send_mail("ci-run@mayfly.test", subject="Owned")
    listing = call(client, "GET", "/mailboxes/{address}/messages", address="ci-run@mayfly.test",
                   headers=bearer(key))
    assert [m["subject"] for m in listing.json["messages"]] == ["Owned"]
    anonymous = call(client, "GET", "/mailboxes/{address}/messages", address="ci-run@mayfly.test")
    assert anonymous.status_code == 404


def test_another_users_mailbox_is_404_not_403(client, make_user, api_key_for, send_mail):
    make_user("alice@example.org")
    make_user("bob@example.org")
    alice, bob = api_key_for("alice@example.org"), api_key_for("bob@example.org")
    call(client, "POST", "/mailboxes", json={"local": "alices"}, headers=bearer(alice))
    send_mail("alices@mayfly.test")
    message_id = call(client, "GET", "/mailboxes/{address}/messages", address="alices@mayfly.test",
                      headers=bearer(alice)).json["messages"][0]["id"]
    for template, params in (("/mailboxes/{address}", {"address": "alices@mayfly.test"}),
                             ("/mailboxes/{address}/messages", {"address": "alices@mayfly.test"}),
                             ("/messages/{message_id}", {"message_id": message_id}),
                             ("/messages/{message_id}/raw", {"message_id": message_id})):
        response = call(client, "GET", template, headers=bearer(bob), **params)
        assert response.status_code == 404, template
    deleted = call(client, "DELETE", "/messages/{message_id}", message_id=message_id,
                   headers=bearer(bob))
    assert deleted.status_code == 404


def test_revoked_key_refused_at_once_on_every_process(client, make_user, api_key_for, make_app,
                                                      app):
    make_user("dev@example.org")
    key = api_key_for("dev@example.org")
    other_process = make_app().test_client()  # a second app instance on the same store
    assert call(other_process, "GET", "/domains", headers=bearer(key)).status_code == 200
    prefix = key.split("_")[0] + "_" + key.split("_")[1]
    result = app.test_cli_runner().invoke(args=["keys", "revoke", prefix])
    assert result.exit_code == 0, result.output
    for each in (client, other_process):
        refused = call(each, "GET", "/domains", headers=bearer(key))
        assert refused.status_code == 401
        assert refused.json["error"]["code"] == "unauthorized"


def test_revoke_from_the_dashboard(client, make_user, api_key_for, app):
    make_user("dev@example.org")
    key = api_key_for("dev@example.org")
    log_in(client, "dev@example.org")
    with app.app_context():
        key_id = db.session.execute(sa.select(ApiKey.id)).scalar_one()
    token = csrf_token(client, "/account")
    assert client.post(f"/account/keys/{key_id}/revoke",
                       data={"csrf_token": token}).status_code == 303
    assert call(client, "GET", "/domains", headers=bearer(key)).status_code == 401


def test_last_use_is_shown(client, make_user, api_key_for):
    make_user("dev@example.org")
    key = api_key_for("dev@example.org")
    log_in(client, "dev@example.org")
    assert "never" in client.get("/account").get_data(as_text=True)
    call(client, "GET", "/domains", headers=bearer(key))
    page = client.get("/account").get_data(as_text=True)
    assert datetime.now().strftime("%Y-%m-%d") in page.split("Last used")[1]


def test_quota_headers_count_only_2xx(client, make_user, api_key_for):
    make_user("dev@example.org")
    key = api_key_for("dev@example.org")
    first = call(client, "GET", "/domains", headers=bearer(key))
    assert first.headers["X-RateLimit-Limit"] == "50000"
    assert first.headers["X-RateLimit-Used"] == "1"
    assert first.headers["X-RateLimit-Remaining"] == "49999"
    reset = datetime.fromisoformat(first.headers["X-RateLimit-Reset"])
    assert reset.day == 1 and reset.hour == 0 and reset.utcoffset().total_seconds() == 0
    missing = call(client, "GET", "/mailboxes/{address}", address="nobody@mayfly.test",
                   headers=bearer(key))
    assert missing.status_code == 404
    assert missing.headers["X-RateLimit-Used"] == "1"
    second = call(client, "GET", "/domains", headers=bearer(key))
    assert second.headers["X-RateLimit-Used"] == "2"


def test_quota_exhausted_is_429_with_retry_after(client, make_user, api_key_for, app):
    make_user("dev@example.org")
    key = api_key_for("dev@example.org")
    app.test_cli_runner().invoke(args=["users", "plan", "dev@example.org", "--requests", "2"])
    assert call(client, "GET", "/domains", headers=bearer(key)).status_code == 200
    assert call(client, "GET", "/domains", headers=bearer(key)).status_code == 200
    refused = client.get("/api/v1/domains", headers=bearer(key))
    assert refused.status_code == 429
    assert refused.json["error"]["code"] == "quota_exhausted"
    assert int(refused.headers["Retry-After"]) > 0
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    assert refused.headers["X-RateLimit-Used"] == "2"


def test_calls_without_a_key_carry_no_quota_headers(client):
    response = call(client, "GET", "/domains")
    assert "X-RateLimit-Limit" not in response.headers
