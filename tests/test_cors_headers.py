"""CORS answers, as a browser's preflight and read see them (the browser test drives Chromium)."""

from __future__ import annotations

import pytest

ORIGIN = "https://app.example"
PREFLIGHT = {"Origin": ORIGIN, "Access-Control-Request-Method": "DELETE",
             "Access-Control-Request-Headers": "authorization, x-mailboxtoken"}


@pytest.fixture
def shared(make_app):
    return make_app(api_cors_origins=(ORIGIN,)).test_client()


@pytest.mark.parametrize("path", ["/api/v1/mailboxes/x@mayfly.test",
                                  "/compat/mailhog/api/v1/messages",
                                  "/compat/mailpit/api/v1/messages",
                                  "/compat/tempmailg/api/messages",
                                  "/compat/mailtm/messages",
                                  "/compat/1secmail/api/v1/"])
def test_preflight_of_the_api_and_the_dialects(shared, path):
    answer = shared.options(path, headers=PREFLIGHT)
    assert answer.status_code == 200
    assert answer.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "DELETE" in answer.headers["Access-Control-Allow-Methods"]
    assert answer.headers["Access-Control-Allow-Headers"] == "authorization, x-mailboxtoken"
    assert "Access-Control-Allow-Credentials" not in answer.headers


def test_an_answer_names_only_the_allowed_origin(shared):
    answer = shared.get("/api/v1/domains", headers={"Origin": ORIGIN})
    assert answer.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "ETag" in answer.headers["Access-Control-Expose-Headers"]
    other = shared.get("/api/v1/domains", headers={"Origin": "https://evil.example"})
    assert other.status_code == 200 and "Access-Control-Allow-Origin" not in other.headers


def test_pages_are_never_shared(shared):
    answer = shared.get("/login", headers={"Origin": ORIGIN})
    assert "Access-Control-Allow-Origin" not in answer.headers


def test_nothing_is_shared_by_default(client):
    answer = client.options("/api/v1/domains", headers=PREFLIGHT)
    assert "Access-Control-Allow-Origin" not in answer.headers
    assert "Access-Control-Allow-Origin" not in client.get(
        "/api/v1/domains", headers={"Origin": ORIGIN}).headers


def _varies_on_origin(answer) -> bool:
    return "origin" in {v.strip().lower() for h in answer.headers.getlist("Vary")
                        for v in h.split(",")}


@pytest.mark.parametrize("origin", [ORIGIN, "https://evil.example", None])
@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/api/v1/domains"), ("GET", "/api/v1/nothing-here"),
    ("GET", "/compat/mailpit/api/v1/messages"),  # 401: no key
    ("GET", "/compat/1secmail/api/v1/?action=getDomainList")])
def test_every_shared_answer_varies_on_origin(shared, method, path, origin):
    """With one named origin too: whether an answer names it depends on the request's Origin,
    so a cache between must not hand one origin's copy (or a no-Origin one) to another."""
    answer = shared.open(path, method=method, headers={"Origin": origin} if origin else {})
    assert _varies_on_origin(answer), (answer.status_code, answer.headers)
    # Named for the allowed origin (and, by Flask-CORS's always_send, without an Origin).
    assert ("Access-Control-Allow-Origin" in answer.headers) == (origin != "https://evil.example")


def test_preflights_and_not_modified_answers_vary_on_origin(shared, send_mail):
    send_mail("cached@mayfly.test", subject="kept")
    assert _varies_on_origin(shared.options("/api/v1/domains", headers=PREFLIGHT))
    listing = "/api/v1/mailboxes/cached@mayfly.test/messages"
    first = shared.get(listing, headers={"Origin": ORIGIN})
    assert first.status_code == 200 and _varies_on_origin(first)
    again = shared.get(listing, headers={"Origin": ORIGIN, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and _varies_on_origin(again)


def test_vary_names_origin_once_with_several_origins(make_app):
    client = make_app(api_cors_origins=(ORIGIN, "https://two.example")).test_client()
    answer = client.get("/api/v1/domains", headers={"Origin": "https://two.example"})
    assert answer.headers["Access-Control-Allow-Origin"] == "https://two.example"
    named = [v.strip().lower() for h in answer.headers.getlist("Vary") for v in h.split(",")]
    assert named.count("origin") == 1


def test_nothing_varies_on_origin_when_nothing_is_shared(client, shared):
    assert not _varies_on_origin(client.get("/api/v1/domains", headers={"Origin": ORIGIN}))
    assert not _varies_on_origin(shared.get("/login", headers={"Origin": ORIGIN}))
