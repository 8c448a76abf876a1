"""Flask-Limiter on the doors, and limits and quotas shared across processes through Redis."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from app import ROOT
from tests.conftest import free_port


def test_api_mailbox_creation_is_limited_with_json_429(client):
    for _ in range(30):
        assert client.post("/api/v1/mailboxes").status_code == 201
    refused = client.post("/api/v1/mailboxes")
    assert refused.status_code == 429
    assert refused.json["error"]["code"] == "rate_limited"
    assert 0 < int(refused.headers["Retry-After"]) <= 60


def test_browser_gets_a_friendly_429_page(client):
    from tests.web.helpers import csrf_token

    token = csrf_token(client)
    statuses = [client.post("/address/random", data={"csrf_token": token}).status_code
                for _ in range(31)]
    assert statuses[:30] == [303] * 30
    assert statuses[30] == 429
    page = client.post("/address/random", data={"csrf_token": token})
    assert "Slow down a little" in page.get_data(as_text=True)
    assert "Retry-After" in page.headers


def test_signup_is_limited_per_ip(client):
    from tests.web.helpers import csrf_token

    # Each sign-up starts a fresh session, so each needs a fresh CSRF token.
    statuses = [client.post("/signup", data={"csrf_token": csrf_token(client, "/signup"),
                                             "email": f"u{i}@example.org",
                                             "password": "long enough password",
                                             "confirm": "long enough password"}).status_code
                for i in range(6)]
    assert statuses == [303] * 5 + [429]


def start_server(env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "tests.serve_app", str(port)], cwd=ROOT,
                               env={**os.environ, **env}, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60  # a busy machine starts Python slowly; only bounds a hang
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/api/v1/domains", timeout=10)
            return process, base
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError("server did not start")


def request(method: str, url: str, headers: dict[str, str] | None = None):
    req = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture
def two_processes(app, settings, redis_url):  # app: a migrated store with its domains
    env = {"DATABASE_URL": settings.database_url, "SECRET_KEY": "shared-by-both-processes-0123456789abcdef",
           "MAIL_DOMAINS": "mayfly.test,other.test", "RATELIMIT_STORAGE_URI": redis_url}
    servers = [start_server(env) for _ in range(2)]
    yield [base for _, base in servers]
    for process, _ in servers:
        process.terminate()
        process.wait(timeout=10)


def test_redis_limits_hold_across_two_processes(two_processes):
    first, second = two_processes
    statuses = [request("POST", f"{(first, second)[i % 2]}/api/v1/mailboxes")[0]
                for i in range(31)]
    # 30 per minute in all, not 30 per process.
    assert statuses[:30] == [201] * 30
    assert statuses[30] == 429


def test_redis_quota_counts_across_two_processes(two_processes, make_user, api_key_for,
                                                redis_url):
    make_user("dev@example.org")
    key = {"Authorization": f"Bearer {api_key_for('dev@example.org')}"}
    used = []
    for i in range(4):
        status, headers, _ = request("GET", f"{two_processes[i % 2]}/api/v1/domains", key)
        assert status == 200
        used.append(headers["X-RateLimit-Used"])
    assert used == ["1", "2", "3", "4"]
    import redis

    keys = redis.Redis.from_url(redis_url).keys("mayfly:usage:*")
    assert len(keys) == 1  # counted in Redis, not in each process or the SQL store
    _, _, body = request("GET", f"{two_processes[0]}/api/v1/domains")
    assert json.loads(body)["domains"][0]["name"] == "mayfly.test"
