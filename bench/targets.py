"""The SMTP servers the ingest benchmark compares: how to start, stop and check each one."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
MAILDEV = BENCH / ".node" / "node_modules" / ".bin" / "maildev"
SECRET = "bench-" + "0123456789abcdef" * 3


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                sock.recv(128)  # the 220 greeting
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port}")


def _popen(args: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    return subprocess.Popen(args, cwd=ROOT, env={**os.environ, **(env or {})},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


def _stop(process: subprocess.Popen[bytes]) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _no_check(workdir: Path, messages: int) -> None:
    """Servers that keep nothing (or only in memory) have nothing to count."""


def mayfly_env(workdir: Path, port: int, database_url: str | None = None) -> dict[str, str]:
    return {"DATABASE_URL": database_url or f"sqlite:///{workdir / 'mayfly.db'}",
            "SECRET_KEY": SECRET, "SMTP_PORT": str(port), "MAIL_DOMAINS": "mayfly.test",
            "MAILBOX_QUOTA": "0", "MAX_MESSAGE_SIZE": "20MiB", "PURGE_INTERVAL": "3600s"}


def _start_mayfly(port: int, workdir: Path) -> subprocess.Popen[bytes]:
    """Mayfly as scripts/serve starts it (bench/launch.py), its SMTP sidecar on `port`."""
    from bench.launch import Mayfly

    mayfly = Mayfly(workdir, smtp_port=port).start()
    assert mayfly.process is not None
    return mayfly.process


def check_mayfly(workdir: Path, messages: int, database_url: str | None = None) -> None:
    """Every message is stored, and a sample reads back whole through the API."""
    sys.path.insert(0, str(ROOT))
    from app import create_app
    from app.config import Settings

    settings = Settings.from_env(mayfly_env(workdir, 0, database_url), instance_path=workdir)
    app = create_app(settings)
    client = app.test_client()
    with app.app_context():
        from app.extensions import db

        stored = db.session.execute(db.text("SELECT count(*) FROM messages")).scalar_one()
        sample = db.session.execute(db.text(
            "SELECT m.public_id, b.address FROM messages m JOIN mailboxes b "
            "ON b.id = m.mailbox_id ORDER BY random() LIMIT 20")).all()
        db.engine.dispose()
    if stored != messages:
        raise RuntimeError(f"Mayfly stored {stored} of {messages} messages")
    for public_id, address in sample:
        listing = client.get(f"/api/v1/mailboxes/{address}/messages").get_json()
        assert any(m["id"] == public_id for m in listing["messages"]), address
        assert client.get(f"/api/v1/messages/{public_id}/raw").status_code == 200


def _check_sqlite(workdir: Path, messages: int) -> None:
    with sqlite3.connect(workdir / "baseline.db") as db:
        stored = db.execute("SELECT count(*) FROM messages").fetchone()[0]
    if stored != messages:
        raise RuntimeError(f"the sqlite baseline stored {stored} of {messages}")


def _start_maildev(port: int, workdir: Path) -> subprocess.Popen[bytes]:
    if not MAILDEV.exists():
        subprocess.run(["npm", "install", "--prefix", str(BENCH / ".node"), "--no-audit",
                        "--no-fund", "maildev@2.2.1"], check=True, capture_output=True)
    return _popen([str(MAILDEV), "--smtp", str(port), "--web", str(free_port()),
                   "--ip", "127.0.0.1", "--silent"])


@dataclass(frozen=True)
class Target:
    name: str
    start: Callable[[int, Path], subprocess.Popen[bytes]]
    verify: Callable[[Path, int], None] = _no_check
    stop: Callable[[subprocess.Popen[bytes]], None] = _stop


TARGETS = {
    "smtp-sink": Target("smtp-sink", lambda port, _: _popen(
        ["smtp-sink", "-u", "nobody", f"127.0.0.1:{port}", "1024"]
        if os.geteuid() == 0 else ["smtp-sink", f"127.0.0.1:{port}", "1024"])),
    "discard": Target("discard", lambda port, _: _popen(
        [sys.executable, str(BENCH / "baselines" / "discard_server.py"), str(port)])),
    "sqlite": Target("sqlite", lambda port, workdir: _popen(
        [sys.executable, str(BENCH / "baselines" / "sqlite_server.py"), str(port),
         str(workdir / "baseline.db")]), _check_sqlite),
    "maildev": Target("maildev", _start_maildev),
    "mayfly": Target("mayfly", _start_mayfly, check_mayfly),
}
