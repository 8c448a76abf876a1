"""What every door must refuse: expired mailboxes, tokens of accounts that expired or were
deleted, JWTs signed with another key, tokens for mailboxes other than the one named."""

from __future__ import annotations

import warnings
from datetime import timedelta

import jwt
import sqlalchemy as sa

from app.extensions import db
from app.models import Mailbox
from app.models.base import utcnow


def expire(app, address: str) -> None:
    with app.app_context():
        db.session.execute(sa.update(Mailbox).where(Mailbox.address == address)
                           .values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()


def test_expired_public_mailbox_is_gone_from_every_door(client, send_mail, app):
    send_mail("old@mayfly.test")
    message_id = client.get("/api/v1/mailboxes/old@mayfly.test/messages").json["messages"][0]["id"]
    expire(app, "old@mayfly.test")
    assert client.get("/api/v1/mailboxes/old@mayfly.test/messages").status_code == 404
    assert client.get(f"/api/v1/messages/{message_id}").status_code == 404
    assert client.get(f"/m/{message_id}").status_code == 404
    assert client.get("/compat/1secmail/api/v1/", query_string={
        "action": "getMessages", "login": "old", "domain": "mayfly.test"}).json == []
    assert client.get(f"/compat/tempmail-php/api.php/email/{message_id}").status_code == 404


def test_expired_protected_mailbox_token_opens_nothing(client, app):
    created = client.post("/api/v1/mailboxes", json={"protected": True}).json
    expire(app, created["address"])
    response = client.get(f"/api/v1/mailboxes/{created['address']}",
                          headers={"Authorization": f"Bearer {created['token']}"})
    assert response.status_code == 404


def test_jwt_of_an_expired_account_is_401(client, app):
    data = client.post("/compat/tempemail/api/accounts",
                       json={"email": "gone@mayfly.test", "password": "password123"}).json["data"]
    expire(app, "gone@mayfly.test")
    response = client.get("/compat/tempemail/api/me",
                          headers={"Authorization": f"Bearer {data['token']}"})
    assert response.status_code == 401


def test_jwt_with_the_right_id_but_wrong_key_or_algorithm_is_401(client, app):
    data = client.post("/compat/tempemail/api/accounts",
                       json={"email": "me@mayfly.test", "password": "password123"}).json["data"]
    with warnings.catch_warnings():  # the server's key is short for HS512: that is the point
        warnings.simplefilter("ignore")
        other_algorithm = jwt.encode({"iat": 1, "id": data["id"]}, app.config["SECRET_KEY"],
                                     algorithm="HS512")
    forged = [jwt.encode({"iat": 1, "id": data["id"]}, "k" * 40, algorithm="HS256"),
              other_algorithm,
              data["token"].rsplit(".", 1)[0] + ".",  # alg-none style: signature stripped
              jwt.encode({"id": data["id"]}, app.config["SECRET_KEY"], algorithm="HS256")]
    for token in forged:
        response = client.get("/compat/tempemail/api/me",
                              headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, token


def test_a_mailbox_token_opens_only_its_own_mailbox(client, send_mail):
    first = client.post("/api/v1/mailboxes", json={"protected": True}).json
    second = client.post("/api/v1/mailboxes", json={"protected": True}).json
    send_mail(second["address"])
    with_first = {"Authorization": f"Bearer {first['token']}"}
    assert client.get(f"/api/v1/mailboxes/{second['address']}/messages",
                      headers=with_first).status_code == 404
