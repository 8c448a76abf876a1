"""Native API: mailbox routes and their errors, every answer checked against openapi.json."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.api.contract import call


def create(client, **body):
    return call(client, "POST", "/mailboxes", json=body)


def test_domains_default_first(client):
    response = call(client, "GET", "/domains")
    assert response.json == {"domains": [{"name": "mayfly.test", "default": True},
                                         {"name": "other.test", "default": False}]}


def test_create_random_public_mailbox(client):
    response = create(client)
    assert response.status_code == 201
    body = response.json
    assert body["address"].endswith("@mayfly.test")
    assert body["protected"] is False
    assert "token" not in body
    expires = datetime.fromisoformat(body["expires_at"])
    created = datetime.fromisoformat(body["created_at"])
    assert timedelta(minutes=59) < expires - created <= timedelta(hours=1, seconds=1)
    assert response.headers["Location"] == f"/api/v1/mailboxes/{body['address']}"


def test_a_ttl_shortens_a_mailbox_life_and_never_lengthens_it(client):
    short = create(client, ttl=600).json
    lived = (datetime.fromisoformat(short["expires_at"])
             - datetime.fromisoformat(short["created_at"]))
    assert timedelta(minutes=9) < lived <= timedelta(minutes=10, seconds=1)
    long = create(client, ttl=30 * 24 * 3600).json  # a public mailbox lives an hour at most
    lived = datetime.fromisoformat(long["expires_at"]) - datetime.fromisoformat(long["created_at"])
    assert lived <= timedelta(hours=1, seconds=1)


def test_create_with_no_body_at_all(client):
    response = call(client, "POST", "/mailboxes")
    assert response.status_code == 201


def test_create_chosen_address_on_other_domain(client):
    response = create(client, local="Jane.Doe", domain="other.test")
    assert response.json["address"] == "jane.doe@other.test"


def test_protected_mailbox_token_shown_once_and_required(client):
    body = create(client, local="secret", protected=True).json
    token = body["token"]
    assert token.startswith("mbx_")
    assert len(token) > 40
    assert call(client, "GET", "/mailboxes/{address}", address=body["address"]).status_code == 404
    bad = call(client, "GET", "/mailboxes/{address}", address=body["address"],
               headers={"Authorization": "Bearer mbx_wrong"})
    assert bad.status_code == 401
    good = call(client, "GET", "/mailboxes/{address}", address=body["address"],
                headers={"Authorization": f"Bearer {token}"})
    assert good.status_code == 200
    assert "token" not in good.json


@pytest.mark.parametrize(("body", "status", "code"), [
    ({"local": "postmaster"}, 403, "reserved"),
    ({"local": "Admin"}, 403, "reserved"),
    ({"local": "a b"}, 422, "invalid"),
    ({"local": "x" * 65}, 422, "invalid"),
    ({"local": 5}, 422, "invalid"),
    ({"protected": "yes"}, 422, "invalid"),
    ({"domain": "elsewhere.example"}, 422, "unknown_domain"),
    ({"ttl": 59}, 422, "invalid"),
    ({"ttl": 10**12}, 422, "invalid"),
    ({"ttl": "600"}, 422, "invalid"),
    ({"ttl": True}, 422, "invalid"),
])
def test_create_refusals(client, body, status, code):
    response = create(client, **body)
    assert response.status_code == status
    assert response.json["error"]["code"] == code


def test_create_taken(client):
    create(client, local="dup")
    response = create(client, local="dup")
    assert response.status_code == 409
    assert response.json["error"]["code"] == "taken"


@pytest.mark.parametrize("data", ["{not json", "[1, 2]", "\"text\""])
def test_create_bad_json_is_400_json(client, data):
    response = call(client, "POST", "/mailboxes", data=data)
    assert response.status_code == 400
    assert response.json["error"]["code"] == "bad_request"


def test_get_extend_delete(client, send_mail):
    address = create(client, local="life").json["address"]
    send_mail(address)
    got = call(client, "GET", "/mailboxes/{address}", address=address).json
    assert got["unread"] == 1
    assert got["used_bytes"] > 0
    before = datetime.fromisoformat(got["expires_at"])
    extended = call(client, "POST", "/mailboxes/{address}/extend", address=address).json
    assert datetime.fromisoformat(extended["expires_at"]) >= before
    assert call(client, "DELETE", "/mailboxes/{address}", address=address).status_code == 204
    assert call(client, "GET", "/mailboxes/{address}", address=address).status_code == 404
    assert call(client, "DELETE", "/mailboxes/{address}", address=address).status_code == 404


def test_reserved_address_never_open(client, send_mail):
    send_mail("postmaster@mayfly.test")
    response = call(client, "GET", "/mailboxes/{address}", address="postmaster@mayfly.test")
    assert response.status_code == 404
    listing = call(client, "GET", "/mailboxes/{address}/messages",
                   address="postmaster@mayfly.test")
    assert listing.status_code == 404


def test_unknown_mailbox_404(client):
    response = call(client, "GET", "/mailboxes/{address}", address="nobody@mayfly.test")
    assert response.status_code == 404
    assert response.json["error"]["code"] == "mailbox_not_found"


def test_malformed_authorization_header_is_401(client):
    response = call(client, "GET", "/mailboxes/{address}", address="x@mayfly.test",
                    headers={"Authorization": "Basic abc"})
    assert response.status_code == 401


def test_unknown_api_path_and_method_are_json(client):
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404
    assert missing.json["error"]["code"] == "not_found"
    wrong = client.put("/api/v1/domains")
    assert wrong.status_code == 405
    assert wrong.json["error"]["code"] == "method_not_allowed"


def test_every_api_route_is_documented(app):
    from app.api.openapi import load_spec

    documented = {(path, method) for path, ops in load_spec()["paths"].items()
                  for method in ops if method != "parameters"}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        path = rule.rule.removeprefix("/api/v1").replace("<int:", "{").replace("<", "{") \
            .replace(">", "}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method.lower()) in documented, f"{method} {path} not in openapi.json"


def test_openapi_document_is_served(client):
    spec = call(client, "GET", "/openapi.json").json
    assert spec["openapi"].startswith("3.1")
