"""The launcher's parts as process groups: each part runs in a session of its own with
everything it starts, is stopped by signalling the whole group, and is killed (every process
in it) when it outlives its deadline. A child also gets SIGTERM if the launcher itself dies.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from app import ROOT

STOP_SECONDS = 8.0  # from the signal to the last process gone, SIGKILL included
BACK_SECONDS = 1.5  # of which Redis, stopped last, gets at least this long
REDIS_NAME = "Redis"
_PR_SET_PDEATHSIG = 1


class Child:
    """One part, in a process group of its own (led by `process`)."""

    def __init__(self, name: str, process: subprocess.Popen[bytes]) -> None:
        self.name, self.process = name, process
        self.pgid = process.pid  # start_new_session: the child leads its own group

    def alive(self) -> bool:
        """Whether any process of the group still runs (zombies do not count)."""
        return self.process.poll() is None or bool(group_members(self.pgid))

    def signal(self, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pgid, sig)


class Supervisor:
    """The children, and the signals that stop them."""

    def __init__(self) -> None:
        self.children: list[Child] = []
        self.signals = 0
        self._signals_at_stop = 0
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, self._on_signal)

    @property
    def stopping(self) -> bool:
        return self.signals > 0

    @property
    def hurry(self) -> bool:
        """A signal came while stopping: kill what is left at once."""
        return self.signals > self._signals_at_stop

    def _on_signal(self, *_: object) -> None:
        self.signals += 1

    def spawn(self, name: str, argv: list[str], env: dict[str, str],
              stdout: int | None = None) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=stdout,  # noqa: S603 - ours
                                   start_new_session=True, preexec_fn=stop_with_parent())
        self.children.append(Child(name, process))
        return process

    def child(self, name: str) -> Child | None:
        return next((c for c in self.children if c.name == name), None)

    def stop(self) -> bool:
        """Stop every group; True if all stopped by themselves, before their deadline."""
        started = time.monotonic()
        self._signals_at_stop = self.signals  # any signal after this one: hurry
        front = [c for c in self.children if c.name != REDIS_NAME]
        back = [c for c in self.children if c.name == REDIS_NAME]
        clean = True
        for group, deadline in ((front, started + STOP_SECONDS - BACK_SECONDS),
                                (back, started + STOP_SECONDS)):
            for child in group:
                child.signal(signal.SIGTERM)
            clean &= self._wait(group, deadline)
            for child in group:
                if child.alive():
                    print(f"mayfly: {child.name} " + ("killed at once" if self.hurry else
                          "did not stop in time; killing it"), flush=True)
                    child.signal(signal.SIGKILL)
        for child in self.children:  # reap; a killed group is gone at once
            try:
                child.process.wait(timeout=2)
            except subprocess.TimeoutExpired:
                print(f"mayfly: {child.name} (pid {child.process.pid}) did not die",
                      file=sys.stderr, flush=True)
        self._wait(self.children, time.monotonic() + 2, hurry=False)
        return clean

    def _wait(self, group: list[Child], deadline: float, hurry: bool = True) -> bool:
        """Until every process of these groups is gone (True), or the deadline passes, or
        (with `hurry`) another signal asks to stop at once (False)."""
        while any(child.alive() for child in group):
            if time.monotonic() >= deadline:
                return False
            if hurry and self.hurry:
                return False
            time.sleep(0.05)
        return True


def stop_with_parent() -> Callable[[], None] | None:
    """For a child, before it runs: SIGTERM when the launcher dies, even by SIGKILL (Linux)."""
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None

    def arrange() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)

    return arrange


def group_members(pgid: int) -> list[int]:
    """The live (not zombie) processes of a process group."""
    proc = Path("/proc")
    if not proc.is_dir():
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return []
        except PermissionError:
            pass
        return [pgid]
    members = []
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses
        fields = stat[stat.rindex(")") + 2:].split()
        if len(fields) > 2 and fields[0] not in ("Z", "X") and int(fields[2]) == pgid:
            members.append(int(entry.name))
    return members
