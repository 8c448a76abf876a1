"""Nobody starves the rest: limits that hold across workers, fair waiting slots, slow
clients, shutdown, and gunicorn's own answers; against Mayfly as scripts/serve runs it."""

from __future__ import annotations

import concurrent.futures
import os
import socket
import subprocess
import sys
import threading
import time

import pytest
import requests

from app import ROOT
from tests.factories import build_eml
from tests.http import Browser
from tests.launch import SECRET, database_url, launched

GENEROUS = 30  # seconds: far above what any answer here needs, even on a busy machine
HELD = 60  # seconds a greedy wait asks to be held: far longer than the test needs it held


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory):
    """The default launch: two gevent workers sharing the private Redis."""
    with launched(tmp_path_factory.mktemp("two")) as launch:
        yield launch


@pytest.fixture(scope="module")
def one_worker(tmp_path_factory):
    """One worker, small wait slots: three per client, eight in all."""
    with launched(tmp_path_factory.mktemp("one"), WEB_WORKERS="1", WAIT_MAX_PER_CLIENT="3",
                  WAIT_MAX_CONCURRENT="8") as launch:
        yield launch


def test_documented_limits_hold_across_workers(two_workers):
    assert "redis-server is not installed" not in two_workers.output()  # Redis was started
    statuses = [requests.post(f"{two_workers.base}/api/v1/mailboxes", timeout=GENEROUS)
                .status_code for _ in range(40)]
    assert statuses.count(201) == 30, statuses  # CREATE_LIMIT: 30 per minute, in all
    assert statuses.count(429) == 10
    signups = [Browser(two_workers.base).sign_up(f"u{n}@example.org").status_code
               for n in range(12)]
    assert signups.count(303) == 5, signups  # SIGNUP_LIMIT: 5 per hour


def test_more_workers_without_a_shared_store_are_refused(tmp_path):
    env = {**os.environ, "DATABASE_URL": database_url(tmp_path), "SECRET_KEY": SECRET,
           "WEB_WORKERS": "2", "RATELIMIT_STORAGE_URI": "memory://",
           "WEB_PORT": "0", "INSTANCE_PATH": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "gunicorn", "-c",
                             "python:app.run.gunicorn_config", "wsgi:app"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "2 web workers need a shared limit store" in result.stderr


def _token_mailbox(base: str) -> tuple[str, dict[str, str]]:
    created = requests.post(f"{base}/api/v1/mailboxes", json={"protected": True},
                            timeout=GENEROUS).json()
    return created["address"], {"Authorization": f"Bearer {created['token']}"}


def _wait(base: str, address: str, headers: dict[str, str], seconds: int) -> requests.Response:
    return requests.get(f"{base}/api/v1/mailboxes/{address}/messages",
                        params={"wait": seconds}, headers=headers, timeout=seconds + GENEROUS)


def _until(check, seconds: float = GENEROUS) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


def test_one_client_cannot_take_every_waiting_slot(one_worker):
    base = one_worker.base
    greedy, greedy_auth = _token_mailbox(base)
    polite, polite_auth = _token_mailbox(base)
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        held: list[concurrent.futures.Future] = []

        def three_held() -> bool:
            # Keep three long waits open (a probe may briefly take a slot one of them wanted).
            while sum(not f.done() for f in held) < 3:
                held.append(pool.submit(_wait, base, greedy, greedy_auth, HELD))
            time.sleep(0.5)  # not decisive: a probe that comes too soon is simply tried again
            return _wait(base, greedy, greedy_auth, 1).status_code == 429

        # The greedy client's next waits are refused once its three are held...
        assert _until(three_held)
        extra = [_wait(base, greedy, greedy_auth, 1).status_code for _ in range(5)]
        assert extra == [429] * 5
        # ...while everybody else still waits, and ordinary calls are answered.
        assert _wait(base, polite, polite_auth, 1).status_code == 200
        assert requests.get(f"{base}/api/v1/domains", timeout=GENEROUS).status_code == 200
        with _smtp(one_worker) as smtp:
            smtp.sendmail("a@example.org", [greedy], build_eml(to=greedy, subject="Wake up"))
        woken = [f.result() for f in held if f.result().status_code != 429]
        assert len(woken) == 3
        for answer in woken:
            assert answer.status_code == 200
            assert [m["subject"] for m in answer.json()["messages"]] == ["Wake up"]


def test_made_up_credentials_name_no_one(one_worker):
    """A header nobody verified (a made-up X-MailboxToken each time) counts as its IP, so
    one sender cannot take every slot by inventing a new "client" per request."""
    import secrets

    base = one_worker.base
    flood = f"flood-{secrets.token_hex(4)}@mayfly.test"
    polite, polite_auth = _token_mailbox(base)

    def made_up() -> dict[str, str]:
        return {"X-MailboxToken": secrets.token_hex(16)}

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        held: list[concurrent.futures.Future] = []

        def three_held() -> bool:
            while sum(not f.done() for f in held) < 3:
                held.append(pool.submit(_wait, base, flood, made_up(), HELD))
            time.sleep(0.5)  # not decisive: a probe that comes too soon is tried again
            return _wait(base, flood, made_up(), 1).status_code == 429

        assert _until(three_held)
        assert [_wait(base, flood, made_up(), 1).status_code for _ in range(5)] == [429] * 5
        # A verified client still waits (5 of the 8 slots are free).
        assert _wait(base, polite, polite_auth, 1).status_code == 200
        with _smtp(one_worker) as smtp:
            smtp.sendmail("a@example.org", [flood], build_eml(to=flood, subject="Release"))
        assert all(f.result().status_code in (200, 429) for f in held)


def _smtp(launch):
    import smtplib

    return smtplib.SMTP("127.0.0.1", launch.smtp_port, timeout=GENEROUS)


def test_head_on_a_stream_holds_no_slot(one_worker):
    address, auth = _token_mailbox(one_worker.base)
    for _ in range(20):
        head = requests.head(f"{one_worker.base}/api/v1/mailboxes/{address}/events",
                             headers=auth, timeout=GENEROUS)
        assert head.status_code == 200
        assert head.headers["Content-Type"].startswith("text/event-stream")
    assert _wait(one_worker.base, address, auth, 1).status_code == 200


def test_a_vanished_client_frees_its_slots_within_seconds(one_worker):
    address, auth = _token_mailbox(one_worker.base)
    url = f"{one_worker.base}/api/v1/mailboxes/{address}/events"
    streams = [requests.get(url, headers=auth, stream=True, timeout=GENEROUS) for _ in range(3)]
    assert [s.status_code for s in streams] == [200] * 3
    assert _wait(one_worker.base, address, auth, 1).status_code == 429  # all three held
    for stream in streams:
        stream.raw._fp.fp.raw._sock.shutdown(socket.SHUT_RDWR)  # the tab closes
        stream.close()
    # Noticed within a couple of seconds, not when the stream would have ended (5 minutes).
    assert _until(lambda: _wait(one_worker.base, address, auth, 1).status_code == 200)


def _slow_client(port: int, stop: threading.Event, started: threading.Semaphore) -> None:
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(b"GET /api/v1/domains HTTP/1.1\r\nHost: x\r\n")
        started.release()
        while not stop.wait(1.0):
            sock.sendall(b"X-Slow: 1\r\n")


def test_slow_clients_do_not_stall_ordinary_requests(one_worker):
    port = int(one_worker.base.rsplit(":", 1)[1])
    stop, started = threading.Event(), threading.Semaphore(0)
    slow = [threading.Thread(target=_slow_client, args=(port, stop, started), daemon=True)
            for _ in range(32)]
    for thread in slow:
        thread.start()
    try:
        for _ in slow:  # every slow client is connected and part-way through its request
            assert started.acquire(timeout=GENEROUS), "a slow client could not connect"
        for _ in range(10):
            answer = requests.get(f"{one_worker.base}/api/v1/domains", timeout=GENEROUS)
            assert answer.status_code == 200
    finally:
        stop.set()


def _raw(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=GENEROUS) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_gunicorns_own_errors_carry_security_headers(one_worker):
    port = int(one_worker.base.rsplit(":", 1)[1])
    too_long = _raw(port, b"GET /api/v1/" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    huge_header = _raw(port, b"GET /api/v1/domains HTTP/1.1\r\nHost: x\r\nX-Big: "
                       + b"b" * 9000 + b"\r\n\r\n")
    for answer, status in ((too_long, b"414"), (huge_header, b"431")):
        head = answer.split(b"\r\n\r\n", 1)[0].decode()
        assert head.startswith(f"HTTP/1.1 {status.decode()}"), head
        assert "Content-Security-Policy: default-src 'none'" in head
        assert "X-Content-Type-Options: nosniff" in head
        assert "text/html" not in head


def test_stopping_ends_open_streams_at_once(tmp_path):
    with launched(tmp_path, WEB_WORKERS="1") as launch:
        address, auth = _token_mailbox(launch.base)
        stream = requests.get(f"{launch.base}/api/v1/mailboxes/{address}/events",
                              headers=auth, stream=True, timeout=60)
        assert stream.status_code == 200
        ended, how = threading.Event(), []

        def read_to_the_end() -> None:
            try:
                for _ in stream.iter_content(chunk_size=None):
                    pass
                how.append("ended")
            except requests.RequestException as exc:
                how.append(f"cut off: {exc!r}")
            ended.set()

        threading.Thread(target=read_to_the_end, daemon=True).start()
        launch.process.send_signal(2)  # Ctrl-C
        assert ended.wait(GENEROUS), "the open stream outlived the stop"
        # Ended by the stop, its last chunk written: not cut off when gunicorn's graceful
        # timeout ran out and its worker was killed (told by how it ended, not by when).
        assert how == ["ended"], how
        # The first Ctrl-C's own stop, waited for: launch.stop() would send a second one, which
        # stops at once (exit 1) if this one is still finishing, as on a busy machine.
        assert launch.process.wait(timeout=90) == 0


def test_limits_hold_in_the_deploy_topology():
    """nginx in front of two web processes (two gevent workers each), PostgreSQL and Redis:
    a limit is one limit, and each client behind nginx is counted as itself."""
    from deploy.topology import Topology, _free_port

    topology = Topology(smtp_port=_free_port(), web_port=_free_port())
    topology.start()
    try:
        base, tls = topology.base, topology.certificate  # nginx's HTTPS, self-signed
        statuses = [requests.post(f"{base}/api/v1/mailboxes", timeout=GENEROUS,
                                  verify=tls).status_code for _ in range(40)]
        assert statuses.count(201) == 30, statuses
        assert requests.get(f"{base}/api/v1/domains", timeout=GENEROUS, verify=tls).headers[
            "Server"].startswith("nginx")
        # A client cannot pose as another through X-Forwarded-For: nginx sets it.
        spoofed = requests.post(f"{base}/api/v1/mailboxes", timeout=GENEROUS, verify=tls,
                                headers={"X-Forwarded-For": "198.51.100.7"})
        assert spoofed.status_code == 429
    finally:
        topology.stop()
