"""A body the client framed wrongly is the client's error: a malformed chunked body (a chunk
size that is not hex, a chunk without its CRLF, a bad chunk extension, a connection that
ends mid-chunk) answers 400 in the door's own shape, never gunicorn's error surfacing as a
500; over a real socket, against Mayfly as scripts/serve runs it (gunicorn's gevent worker,
which decodes a chunked body only as the app reads it)."""

from __future__ import annotations

import json
import socket

import pytest
import requests

from tests.launch import launched

GENEROUS = 15
BODIES = {
    "size is not hex": b"zz\r\n{}\r\n0\r\n\r\n",
    "chunk without its CRLF": b"2\r\n{}XX0\r\n\r\n",
    "bad chunk extension": b"2;\x01\r\n{}\r\n0\r\n\r\n",
    "ends mid-chunk": b"10\r\n{\"a\"",
}
# (path, how its door shapes a 400)
DOORS = {
    "/api/v1/mailboxes": lambda body: body["error"]["code"] == "bad_request",
    "/compat/tempemail/api/token": lambda body: body["code"] == 400 and body["data"] is None,
    "/compat/mailtm/token": lambda body: body["@type"] == "hydra:Error",
}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with launched(tmp_path_factory.mktemp("bodies"), WEB_WORKERS="1") as launch:
        yield launch


def _raw(base: str, request: bytes) -> tuple[int, bytes]:
    port = int(base.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=GENEROUS) as sock:
        sock.sendall(request)
        sock.shutdown(socket.SHUT_WR)  # nothing more comes: the body ends where it ends
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


@pytest.mark.parametrize("path", sorted(DOORS))
@pytest.mark.parametrize("framing", sorted(BODIES))
def test_a_malformed_chunked_body_is_400(server, path, framing):
    request = (f"POST {path} HTTP/1.1\r\nHost: mayfly.test\r\n"
               "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
               "Connection: close\r\n\r\n").encode() + BODIES[framing]
    status, body = _raw(server.base, request)
    assert status == 400, body[:300]
    assert DOORS[path](json.loads(body)), body


def test_nothing_was_an_unhandled_error_and_the_worker_serves_on(server):
    test_a_malformed_chunked_body_is_400(server, "/api/v1/mailboxes", "size is not hex")
    assert requests.get(f"{server.base}/api/v1/domains", timeout=GENEROUS).status_code == 200
    log = server.output()
    assert "unhandled error" not in log and "InvalidChunkSize" not in log
