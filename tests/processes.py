"""Processes a test started, found by a mark in their environment: every process they start
(gunicorn's workers, the SMTP sidecar's workers, Redis) inherits it, even one that outlived
its parent and was adopted by init. Linux only (/proc)."""

from __future__ import annotations

import socket
import time
import uuid
from pathlib import Path

MARK = "MAYFLY_TEST_MARK"


def new_mark() -> str:
    return uuid.uuid4().hex


def marked(mark: str) -> list[str]:
    """The live processes (zombies do not count: they hold nothing) carrying `mark`, as
    "pid command line"."""
    needle = f"{MARK}={mark}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if needle not in (entry / "environ").read_bytes().split(b"\0"):
                continue
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue  # gone meanwhile, or not ours to look at
        if stat[stat.rindex(")") + 2:].split()[0] not in ("Z", "X"):
            found.append(f"{entry.name} {command.strip()}")
    return found


def gone_within(mark: str, seconds: float) -> list[str]:
    """Waits up to `seconds` for every process carrying `mark` to end; returns those left."""
    deadline = time.monotonic() + seconds
    while (left := marked(mark)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


def refused(port: int, host: str = "127.0.0.1") -> bool:
    """Nothing listens on the port any more."""
    try:
        socket.create_connection((host, port), timeout=2).close()
    except ConnectionRefusedError:
        return True
    return False
