"""/livez and /readyz: what a load balancer asks, answered from the parts themselves."""

from __future__ import annotations

import pytest

from tests.conftest import free_port

PARTS = {"status", "store", "redis", "smtp"}


def test_ready_when_store_and_smtp_answer(make_app, smtp_server):
    client = make_app(smtp_port=smtp_server.port).test_client()
    answer = client.get("/readyz")
    assert answer.status_code == 200
    assert answer.json == {"status": "ok", "store": "ok", "redis": "not used", "smtp": "ok"}
    assert answer.headers["Cache-Control"] == "no-store"
    assert client.get("/livez").json == {"status": "ok"}


def test_not_ready_without_smtp_but_still_live(make_app):
    client = make_app(smtp_port=free_port()).test_client()  # nothing listens there
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json["status"] == "unavailable"
    assert answer.json["smtp"] == "unreachable" and answer.json["store"] == "ok"
    assert client.get("/livez").status_code == 200


def test_not_ready_without_its_store(make_app, smtp_server, tmp_path):
    gone = tmp_path / "no-such-folder" / "mayfly.db"
    client = make_app(database_url=f"sqlite:///{gone}", smtp_port=smtp_server.port).test_client()
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json["store"] == "unreachable"
    assert client.get("/livez").status_code == 200  # alive: a restart would not help


def test_redis_counts_when_it_holds_the_limits(make_app, smtp_server, redis_url):
    up = make_app(smtp_port=smtp_server.port, ratelimit_storage_uri=redis_url).test_client()
    assert up.get("/readyz").json["redis"] == "ok"
    down = make_app(smtp_port=smtp_server.port,
                    ratelimit_storage_uri=f"redis://127.0.0.1:{free_port()}/0").test_client()
    answer = down.get("/readyz")  # the limit itself cannot be counted: 503 before the route
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "5"
    assert down.get("/api/v1/domains").status_code == 503  # every route alike, never a 500


def test_the_answers_tell_nothing_of_any_mailbox(make_app, smtp_server, send_mail):
    """Isolation: mail in the store changes nothing in what a stranger reads here."""
    client = make_app(smtp_port=smtp_server.port).test_client()
    before = client.get("/readyz").get_data()
    send_mail("private@mayfly.test", subject="Secret subject")
    after = client.get("/readyz")
    assert set(after.json) == PARTS
    assert after.get_data() == before
    assert b"private" not in after.get_data() and b"Secret" not in after.get_data()


@pytest.mark.parametrize("path", ["/readyz", "/livez"])
def test_a_flood_is_limited_like_every_route(make_app, smtp_server, path):
    """Bound: each /readyz touches the store and opens a connection, so a caller gets the
    per-IP limit every route has, not unlimited looks."""
    client = make_app(smtp_port=smtp_server.port, ratelimit_default="3 per minute").test_client()
    statuses = [client.get(path).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
