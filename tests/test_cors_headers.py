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
