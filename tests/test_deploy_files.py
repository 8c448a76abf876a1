"""The deploy files keep their promises: read where Docker cannot run here (the image runs as
an unprivileged user, the build context leaves local state and secrets out, the database
password has no default), and nginx run with deploy/nginx.conf as production fills it in
(TLS, an allow-list of host names, no client-sent forwarded host ever reaching Mayfly)."""

from __future__ import annotations

import http.server
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
import yaml

from app import ROOT
from deploy.topology import nginx_config, self_signed_certificate
from tests.conftest import free_port

DEPLOY = ROOT / "deploy"
PLACEHOLDER = re.compile(r"@[A-Z_]+@")


def instructions(dockerfile: str) -> list[tuple[str, str]]:
    joined = re.sub(r"\\\n", " ", dockerfile)
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1].strip())
            for line in joined.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def test_the_image_runs_as_an_unprivileged_user():
    steps = instructions((DEPLOY / "Dockerfile").read_text())
    users = [argument for name, argument in steps if name == "USER"]
    assert users, "the Dockerfile never leaves root"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0")
    last_user = max(i for i, (name, _) in enumerate(steps) if name == "USER")
    assert steps[-1][0] in ("CMD", "ENTRYPOINT") and last_user < len(steps) - 1
    assert any(name == "RUN" and "useradd" in argument for name, argument in steps)


def test_the_build_context_leaves_out_local_state_and_secrets():
    ignored = {line.strip().rstrip("/") for line in (ROOT / ".dockerignore").read_text()
               .splitlines() if line.strip() and not line.startswith("#")}
    for pattern in ("instance", ".venv", ".git", "tests/browser/screenshots",
                    "**/node_modules", "**/*.db", "**/__pycache__", ".env"):
        assert pattern in ignored, pattern


def test_compose_has_no_default_database_password():
    text = (DEPLOY / "docker-compose.yml").read_text()
    compose = yaml.safe_load(text)
    postgres = compose["services"]["postgres"]["environment"]["POSTGRES_PASSWORD"]
    assert postgres == "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}"
    database_url = compose["x-mayfly-env"]["DATABASE_URL"]
    assert "${POSTGRES_PASSWORD:?" in database_url and "mayfly:mayfly@" not in database_url
    # Every required setting stops `docker compose up` when unset, rather than defaulting.
    for name in ("POSTGRES_PASSWORD", "SECRET_KEY", "PUBLIC_HOST", "TLS_DIR"):
        assert re.search(r"\$\{" + name + r":\?", text), name
        assert not re.search(r"\$\{" + name + r":?-", text), name


def test_compose_serves_tls_from_nginx_and_fills_every_placeholder():
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    assert compose["x-mayfly-env"]["PUBLIC_URL"].startswith("https://${PUBLIC_HOST:?")
    nginx = compose["services"]["nginx"]
    assert sorted(nginx["ports"]) == ["443:443", "80:80"]
    config_lines = [line for line in (DEPLOY / "nginx.conf").read_text().splitlines()
                    if not line.lstrip().startswith("#")]
    placeholders = set(PLACEHOLDER.findall("\n".join(config_lines)))
    assert placeholders == {"@HTTP_LISTEN@", "@HTTPS_LISTEN@", "@SERVER_NAMES@", "@PUBLIC_URL@",
                            "@CERTIFICATE@", "@CERTIFICATE_KEY@", "@UPSTREAMS@"}
    command = " ".join(nginx["command"])
    for placeholder in placeholders:
        assert f"s|{placeholder}|" in command, placeholder


def test_nginx_config_trusts_no_client_host():
    config = "\n".join(line for line in (DEPLOY / "nginx.conf").read_text().splitlines()
                       if not line.lstrip().startswith("#"))
    assert "proxy_set_header Host $host;" in config and "$http_host" not in config
    assert 'proxy_set_header X-Forwarded-Host "";' in config
    assert "return 444;" in config and "ssl_reject_handshake on;" in config
    assert "listen @HTTPS_LISTEN@ ssl;" in config


class Echo(http.server.BaseHTTPRequestHandler):
    """The upstream: answers with the headers nginx passed on, and keeps them."""

    seen: list[dict[str, str]] = []

    def do_GET(self) -> None:  # http.server calls it by this name
        headers = {k.lower(): v for k, v in self.headers.items()}
        Echo.seen.append(headers)
        body = json.dumps(headers).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@dataclass
class Nginx:
    https_port: int
    http_port: int
    certificate: Path

    @property
    def base(self) -> str:
        return f"https://localhost:{self.https_port}"


def wait_for(port: int, seconds: float = 60) -> None:
    """Until something listens on the port; the deadline only bounds a hang."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=5).close()
            return
        except OSError:
            threading.Event().wait(0.1)
    raise AssertionError(f"nothing listens on {port}")


@pytest.fixture(scope="module")
def nginx(tmp_path_factory) -> Iterator[Nginx]:
    """nginx with deploy/nginx.conf (a self-signed certificate, made now) before an echo."""
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(binary).exists():
        pytest.fail("nginx is not installed (scripts/test installs it)")
    folder = tmp_path_factory.mktemp("nginx")
    echo = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    threading.Thread(target=echo.serve_forever, daemon=True).start()
    https_port, http_port = free_port(), free_port()
    certificate, key = self_signed_certificate(folder)
    config = folder / "nginx.conf"
    config.write_text(nginx_config(
        http_listen=f"127.0.0.1:{http_port}", https_listen=f"127.0.0.1:{https_port}",
        server_names="localhost", public_url=f"https://localhost:{https_port}",
        certificate=certificate, certificate_key=key,
        upstreams=[f"127.0.0.1:{echo.server_address[1]}"] * 2))
    assert not PLACEHOLDER.search("".join(line for line in config.read_text().splitlines()
                                          if not line.lstrip().startswith("#")))
    checked = subprocess.run([binary, "-t", "-p", str(folder), "-c", str(config)],
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    process = subprocess.Popen([binary, "-p", str(folder), "-c", str(config), "-g",
                                "daemon off;"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_for(https_port)
        wait_for(http_port)
        yield Nginx(https_port, http_port, certificate)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        echo.shutdown()


def exchange(port: int, request: bytes, server_hostname: str | None = None,
             certificate: Path | None = None) -> bytes:
    """Send one raw request (over TLS when a certificate is given); all that comes back."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        sock: socket.socket = raw
        if certificate is not None:
            context = ssl.create_default_context(cafile=str(certificate))
            context.check_hostname = False
            sock = context.wrap_socket(raw, server_hostname=server_hostname)
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
        return answer


def test_nginx_passes_on_its_own_host_and_never_a_clients_forwarded_host(nginx):
    answer = requests.get(nginx.base + "/password/forgot?x=1", verify=nginx.certificate,
                          timeout=10, headers={
                              "X-Forwarded-Host": "attacker.example",
                              "Forwarded": "host=attacker.example",
                              "X-Forwarded-Port": "8443", "X-Forwarded-Prefix": "/attacker",
                              "X-Forwarded-For": "198.51.100.7",
                              "X-Forwarded-Proto": "http"})
    assert answer.status_code == 200
    seen = answer.json()
    assert seen["host"] == "localhost"  # the served name, not the client's Host with its port
    for header in ("x-forwarded-host", "forwarded", "x-forwarded-port", "x-forwarded-prefix"):
        assert header not in seen, header
    assert seen["x-forwarded-for"] == "127.0.0.1"  # set by nginx, not appended to
    assert seen["x-forwarded-proto"] == "https"


def test_plain_http_is_only_a_redirect_to_public_url(nginx):
    answer = requests.get(f"http://localhost:{nginx.http_port}/password/forgot?x=1",
                          allow_redirects=False, timeout=10,
                          headers={"X-Forwarded-Host": "attacker.example"})
    assert answer.status_code == 301
    assert answer.headers["Location"] == f"{nginx.base}/password/forgot?x=1"


def test_an_unknown_host_gets_no_answer_at_all(nginx):
    """The takeover through nginx: it passed any Host (and X-Forwarded-Host) to Mayfly."""
    before = len(Echo.seen)
    hostile = b"POST /password/forgot HTTP/1.1\r\nHost: attacker.example\r\n" \
              b"Content-Length: 0\r\nConnection: close\r\n\r\n"
    # The right TLS name, another Host: the connection is closed without a byte.
    assert exchange(nginx.https_port, hostile, "localhost", nginx.certificate) == b""
    # Plain HTTP with another Host, or none (HTTP/1.0): the same.
    assert exchange(nginx.http_port, hostile) == b""
    assert exchange(nginx.http_port, b"GET / HTTP/1.0\r\n\r\n") == b""
    # Another TLS name, or none (a bare IP address): the handshake is refused.
    for name in ("attacker.example", None):
        with pytest.raises(ssl.SSLError):
            exchange(nginx.https_port, hostile, name, nginx.certificate)
    assert len(Echo.seen) == before  # nothing reached the web processes


def test_compose_waits_for_a_ready_web_process():
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    web = compose["services"]["web"]
    assert any("/readyz" in part for part in web["healthcheck"]["test"])
    assert web["environment"]["SMTP_HOST"] == "smtp"  # what /readyz looks for
    assert compose["services"]["nginx"]["depends_on"]["web"]["condition"] == "service_healthy"
