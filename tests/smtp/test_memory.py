"""One SMTP session cannot grow a worker's memory without bound, whatever it sends."""

from __future__ import annotations

import os
import signal
import smtplib
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from app import ROOT
from tests.conftest import free_port
from tests.factories import build_eml

MIB = 1024 * 1024


def _rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def _worker_pid(runner: subprocess.Popen) -> int:
    children = Path(f"/proc/{runner.pid}/task/{runner.pid}/children").read_text().split()
    assert len(children) == 1, children
    return int(children[0])


def _reply(sock: socket.socket) -> bytes:
    data = b""
    while not data.endswith(b"\r\n") or data.splitlines()[-1][3:4] == b"-":
        chunk = sock.recv(4096)
        assert chunk, "connection closed"
        data += chunk
    return data


def _flood_without_line_ends(port: int, total: int) -> tuple[bytes, int]:
    """DATA with `total` bytes and no CRLF; returns the final reply."""
    with socket.create_connection(("127.0.0.1", port), timeout=120) as sock:
        _reply(sock)
        for command in (b"EHLO flood.example\r\n", b"MAIL FROM:<a@example.org>\r\n",
                        b"RCPT TO:<flood@mayfly.test>\r\n", b"DATA\r\n"):
            sock.sendall(command)
            _reply(sock)
        chunk = b"a" * MIB
        for _ in range(total // MIB):
            sock.sendall(chunk)
        sock.sendall(b"\r\n.\r\n")
        return _reply(sock)


def test_data_without_line_ends_keeps_memory_bounded(app, settings):
    port = free_port()
    env = {**os.environ, "DATABASE_URL": settings.database_url, "SMTP_PORT": str(port),
           "SECRET_KEY": settings.secret_key, "MAIL_DOMAINS": "mayfly.test",
           "SMTP_PROCESSES": "1"}
    runner = subprocess.Popen([sys.executable, "smtpd_runner.py"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                smtplib.SMTP("127.0.0.1", port, timeout=10).quit()
                break
            except OSError:
                assert time.monotonic() < deadline, "the sidecar never listened"
                time.sleep(0.2)
        worker = _worker_pid(runner)
        before = _rss(worker)
        peak, done = [before], threading.Event()

        def sample() -> None:  # the peak while the flood is held, not after it is freed
            while not done.wait(0.02):
                peak.append(_rss(worker))

        sampler = threading.Thread(target=sample)
        sampler.start()
        try:
            reply = _flood_without_line_ends(port, 150 * MIB)
        finally:
            done.set()
            sampler.join()
        grown = max(peak) - before
        assert reply.startswith((b"552", b"500")), reply
        assert grown < 64 * MIB, f"worker grew by {grown / MIB:.0f} MiB"
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
            assert smtp.sendmail("a@example.org", ["after@mayfly.test"],
                                 build_eml(to="after@mayfly.test")) == {}
    finally:
        runner.send_signal(signal.SIGTERM)
        runner.wait(timeout=60)
