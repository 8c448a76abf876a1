"""The one serve command: gunicorn and the SMTP sidecar as real processes, stopped by Ctrl-C
(or SIGTERM) within 10 s every time, leaving no process behind; a port already taken is named
with its holder."""

from __future__ import annotations

import json
import os
import signal
import smtplib
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from app import ROOT
from tests.conftest import free_port
from tests.factories import build_eml
from tests.launch import SECRET, Launch, database_url
from tests.processes import MARK, marked, new_mark, refused


def wait_until_up(check, what: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            check()
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{what} never answered")


def test_launcher_runs_web_and_smtp_until_interrupted(tmp_path: Path, settings):
    web_port, smtp_port, mcp_port = free_port(), free_port(), free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
           "SECRET_KEY": "launcher-test-0123456789abcdef-0123456789", "WEB_PORT": str(web_port),
           "SMTP_PORT": str(smtp_port), "MCP_PORT": str(mcp_port), "MAIL_DOMAINS": "mayfly.test"}
    if settings.database_url.startswith("postgresql"):
        env["DATABASE_URL"] = settings.database_url
    process = subprocess.Popen([sys.executable, "-m", "app.run.launcher"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        base = f"http://127.0.0.1:{web_port}/api/v1"
        wait_until_up(lambda: urllib.request.urlopen(f"{base}/domains", timeout=1).read(), "web")
        wait_until_up(lambda: smtplib.SMTP("127.0.0.1", smtp_port, timeout=1).quit(), "SMTP")
        with smtplib.SMTP("127.0.0.1", smtp_port, timeout=10) as smtp:
            smtp.sendmail("a@example.org", ["launch@mayfly.test"],
                          build_eml(to="launch@mayfly.test", subject="Served"))
        with urllib.request.urlopen(f"{base}/mailboxes/launch@mayfly.test/messages") as answer:
            listing = json.load(answer)
        assert [m["subject"] for m in listing["messages"]] == ["Served"]
        # The MCP door answers too: without a key, 401 before any tool runs.
        wait_until_up(lambda: socket.create_connection(("127.0.0.1", mcp_port), 1).close(),
                      "MCP")
        refused_mcp = requests.post(f"http://127.0.0.1:{mcp_port}/mcp", json={}, timeout=10)
        assert refused_mcp.status_code == 401
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=60)
    assert process.returncode == 0, output
    assert f"web  on http://127.0.0.1:{web_port}/" in output
    assert f"SMTP on 127.0.0.1:{smtp_port}" in output
    assert f"MCP  on http://127.0.0.1:{mcp_port}/mcp" in output


# Stopping, every time, within 10 s, leaving nothing behind -----------------------------------



@contextmanager
def running(folder: Path, web_port: int, smtp_port: int, mark: str) -> Iterator[Launch]:
    """`scripts/serve` on these ports, with two SMTP worker processes and (two web workers)
    a private Redis; every process it starts carries `mark`."""
    env = {**os.environ, "DATABASE_URL": database_url(folder), "SECRET_KEY": SECRET,
           "WEB_PORT": str(web_port), "SMTP_PORT": str(smtp_port), "SMTP_PROCESSES": "2",
           "MCP_PORT": str(free_port()),
           "MAIL_DOMAINS": "mayfly.test", "INSTANCE_PATH": str(folder / "instance"),
           MARK: mark}
    env.pop("RATELIMIT_STORAGE_URI", None)
    log = folder / f"serve-{mark}.log"
    with log.open("w") as out:
        process = subprocess.Popen([sys.executable, "-m", "app.run.launcher"], cwd=ROOT, env=env,
                                   stdout=out, stderr=subprocess.STDOUT)
    launch = Launch(process, f"http://127.0.0.1:{web_port}", smtp_port, log)
    try:
        wait_until_up(lambda: urllib.request.urlopen(f"{launch.base}/api/v1/domains",
                                                     timeout=2).read(), "web", 90)
        wait_until_up(lambda: smtplib.SMTP("127.0.0.1", smtp_port, timeout=2).quit(), "SMTP",
                      90)
        yield launch
    finally:
        launch.stop(timeout=60)


def stopped_in_time(launch: Launch, sig: int, mark: str, web_port: int, smtp_port: int) -> None:
    """Signal the launcher; it must stop within its own deadline, with everything it started,
    and both ports free."""
    launch.process.send_signal(sig)
    try:
        code = launch.process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        launch.process.kill()
        raise AssertionError(f"the launcher never stopped\n{launch.output()}") from None
    # Exit code 0: every group stopped before the launcher's own STOP_SECONDS deadline
    # (app/run/groups.py kills what is left past it and then exits 1), so no clock here.
    assert code == 0, launch.output()  # nothing had to be killed
    assert marked(mark) == [], launch.output()  # the launcher returns after the last one
    assert refused(web_port) and refused(smtp_port)


def test_three_starts_and_stops_in_a_row_on_the_same_ports(tmp_path: Path):
    """Plain; with an open event stream; in the middle of an ingest burst. Each stop within
    10 s, each start finds its ports free."""
    web_port, smtp_port = free_port(), free_port()
    ports = (web_port, smtp_port)

    mark = new_mark()
    with running(tmp_path, *ports, mark) as launch:
        stopped_in_time(launch, signal.SIGINT, mark, *ports)

    mark = new_mark()
    with running(tmp_path, *ports, mark) as launch:
        created = _post_json(f"{launch.base}/api/v1/mailboxes", {"protected": True})
        stream = urllib.request.urlopen(urllib.request.Request(
            f"{launch.base}/api/v1/mailboxes/{created['address']}/events",
            headers={"Authorization": f"Bearer {created['token']}"}), timeout=30)
        assert stream.readline() == b"retry: 3000\n"  # the stream is open
        ended = threading.Event()

        def read_to_the_end() -> None:
            try:
                while stream.read(1):
                    pass
            except OSError:
                pass  # reset by the stopping server: ended too
            ended.set()

        threading.Thread(target=read_to_the_end, daemon=True).start()
        stopped_in_time(launch, signal.SIGTERM, mark, *ports)
        assert ended.wait(10)  # the server ended the stream, not a timeout
        stream.close()

    mark, subject = new_mark(), f"burst-{new_mark()}"
    with running(tmp_path, *ports, mark) as launch:
        burst = Burst(smtp_port, subject)
        burst.start(senders=3)
        burst.wait_for(accepted=30)
        stopped_in_time(launch, signal.SIGINT, mark, *ports)
        burst.join()
    assert burst.errors_before_stop == []
    # Every 250 the burst got was committed: the stop let those under way finish.
    assert _stored(tmp_path, subject) >= burst.accepted > 0


def test_a_second_ctrl_c_stops_at_once_and_still_leaves_nothing(tmp_path: Path):
    web_port, smtp_port = free_port(), free_port()
    mark = new_mark()
    with running(tmp_path, web_port, smtp_port, mark) as launch:
        launch.process.send_signal(signal.SIGINT)
        time.sleep(0.2)
        launch.process.send_signal(signal.SIGINT)  # impatient: the launcher must not die
        launch.process.wait(timeout=60)  # half-way, nor leave anything behind
    assert "mayfly: stopped" in launch.output()  # it finished its stop, it did not die
    assert marked(mark) == []
    assert refused(web_port) and refused(smtp_port)


def test_a_held_port_is_named_with_its_holder(tmp_path: Path):
    for role, variable in (("web", "WEB_PORT"), ("SMTP", "SMTP_PORT"), ("MCP", "MCP_PORT")):
        ports = {name: free_port() for name in ("WEB_PORT", "SMTP_PORT", "MCP_PORT")}
        held = ports[variable]
        mark = new_mark()
        with socket.socket() as holder:
            holder.bind(("127.0.0.1", held))
            holder.listen()
            env = {**os.environ, "DATABASE_URL": database_url(tmp_path), "SECRET_KEY": SECRET,
                   **{name: str(port) for name, port in ports.items()},
                   "MAIL_DOMAINS": "mayfly.test", "INSTANCE_PATH": str(tmp_path / "instance"),
                   MARK: mark}
            result = subprocess.run([sys.executable, "-m", "app.run.launcher"], cwd=ROOT, env=env,
                                    capture_output=True, text=True, timeout=60)
        output = result.stdout + result.stderr
        assert result.returncode != 0, output
        assert f"{role} port 127.0.0.1:{held} is in use by pid {os.getpid()} (" in output
        assert variable in output
        assert marked(mark) == []  # nothing was started


class Burst:
    """Senders each pushing mail down one SMTP connection as fast as answers come, until
    the server stops taking it."""

    def __init__(self, port: int, subject: str) -> None:
        self.port, self.subject = port, subject
        self.accepted = 0
        self.errors_before_stop: list[str] = []
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    def start(self, senders: int) -> None:
        for n in range(senders):
            thread = threading.Thread(target=self._send, args=(n,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def wait_for(self, accepted: int) -> None:
        deadline = time.monotonic() + 60
        while self.accepted < accepted:
            assert time.monotonic() < deadline and not self.errors_before_stop, \
                self.errors_before_stop or "the burst never got going"
            time.sleep(0.05)
        self.stopping.set()  # errors from now on are the stop's

    def join(self) -> None:
        for thread in self._threads:
            thread.join(timeout=30)
            assert not thread.is_alive()

    def _send(self, n: int) -> None:
        try:
            with smtplib.SMTP("127.0.0.1", self.port, timeout=30) as smtp:
                for i in range(100_000):
                    to = f"burst{n}-{i}@mayfly.test"
                    smtp.sendmail("a@example.org", [to],
                                  build_eml(to=to, subject=self.subject))
                    with self._lock:
                        self.accepted += 1
        except (smtplib.SMTPException, OSError) as exc:
            if not self.stopping.is_set():
                self.errors_before_stop.append(repr(exc))


def _post_json(url: str, body: dict) -> dict:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.load(answer)


def _stored(folder: Path, subject: str) -> int:
    import sqlalchemy as sa

    from app.models import Message

    engine = sa.create_engine(database_url(folder))
    try:
        with engine.connect() as connection:
            return connection.execute(sa.select(sa.func.count()).select_from(Message)
                                      .where(Message.subject == subject)).scalar_one()
    finally:
        engine.dispose()


def test_gunicorns_worker_timeout_outlasts_any_lock_wait():
    """A web worker waiting for SQLite's write lock is not killed for missing its heartbeat."""
    from app.extensions import SQLITE_BUSY_SECONDS

    # In a process of its own, as gunicorn reads it (the config patches gevent in).
    read = subprocess.run([sys.executable, "-c", "import runpy; print(runpy.run_module("
                           "'app.run.gunicorn_config')['timeout'])"], cwd=ROOT, check=True,
                          capture_output=True, text=True,
                          env={**os.environ, "SECRET_KEY": "x" * 40})
    assert int(read.stdout.split()[-1]) > SQLITE_BUSY_SECONDS
