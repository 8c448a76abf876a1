"""Memory: the SMTP worker receiving 10 MB messages on 20 sessions, and a web worker serving
large attachments. Both should stay flat: not grow with the number of messages or bytes.

    .venv/bin/python bench/memory.py [--rounds 4] [--per-round 60]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.targets import ROOT, _popen, _stop, free_port, mayfly_env, wait_for_port
from tests.factories import build_eml

MESSAGE = 10_000_000  # bytes per message, just under MAX_MESSAGE_SIZE's 10 MiB default
ATTACHMENT = 25 * 1024 * 1024


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


class Sampler:
    """Peak RSS of a process while something runs."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self._stop = pid, 0.0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.1):
            self.peak = max(self.peak, rss_mb(self.pid))

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def smtp_worker(workdir: Path, rounds: int, per_round: int) -> list[tuple[int, float, float]]:
    port = free_port()
    env = {**mayfly_env(workdir, port), "SMTP_PROCESSES": "1"}
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT,
                   env={**os.environ, **env}, check=True, capture_output=True)
    runner = _popen([sys.executable, "smtpd_runner.py"], env)
    try:
        wait_for_port(port)
        (worker,) = children(runner.pid)
        rows, sent = [], 0
        for _ in range(rounds):
            with Sampler(worker) as sampler:
                subprocess.run(["smtp-source", "-s", "20", "-m", str(per_round), "-N",
                                "-l", str(MESSAGE), "-t", "big@mayfly.test",
                                f"127.0.0.1:{port}"], check=True, capture_output=True)
            sent += per_round
            rows.append((sent, sampler.peak, rss_mb(worker)))
            print(f"  SMTP worker after {sent:4} messages: peak {sampler.peak:7.1f} MB, "
                  f"now {rows[-1][2]:7.1f} MB", flush=True)
        return rows
    finally:
        _stop(runner)


def web_worker(workdir: Path, rounds: int) -> list[tuple[int, float, float]]:
    from app import create_app
    from app.config import Settings
    from app.services import delivery, domains

    env = {**mayfly_env(workdir, free_port(), f"sqlite:///{workdir / 'web.db'}"),
           "MAX_MESSAGE_SIZE": "40MiB", "RATELIMIT_DEFAULT": "100000 per minute"}
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT,
                   env={**os.environ, **env}, check=True, capture_output=True)
    app = create_app(Settings.from_env(env, instance_path=workdir))
    with app.app_context():
        domains.sync_configured()
        (message_id,) = delivery.deliver("a@example.org", ["files@mayfly.test"], build_eml(
            to="files@mayfly.test", attachments=[("big.bin", "application/octet-stream",
                                                  os.urandom(ATTACHMENT))]))
    port = free_port()
    server = _popen([sys.executable, "-m", "gunicorn", "wsgi:app", "-w", "1", "-b",
                     f"127.0.0.1:{port}", "--worker-class", "gthread", "--threads", "4"], env)
    base = f"http://127.0.0.1:{port}/api/v1"
    try:
        for _ in range(100):
            try:
                message = urllib.request.urlopen(f"{base}/messages/{message_id}").read()
                break
            except OSError:
                time.sleep(0.2)
        import json

        url = f"http://127.0.0.1:{port}" + json.loads(message)["attachments"][0]["url"]
        (worker,) = children(server.pid)
        rows, served = [], 0
        for _ in range(rounds):
            with Sampler(worker) as sampler:
                threads = [threading.Thread(target=lambda: urllib.request.urlopen(url).read())
                           for _ in range(4)]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
            served += 4
            rows.append((served, sampler.peak, rss_mb(worker)))
            print(f"  web worker after {served:3} downloads of {ATTACHMENT >> 20} MB: "
                  f"peak {sampler.peak:7.1f} MB, now {rows[-1][2]:7.1f} MB", flush=True)
        return rows
    finally:
        _stop(server)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--per-round", type=int, default=60)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="mayfly-memory-"))
    smtp = smtp_worker(workdir, args.rounds, args.per_round)
    web = web_worker(workdir, args.rounds)
    print("\n| SMTP worker: messages of 10 MB received | peak RSS MB | RSS after MB |")
    print("|---|---|---|")
    for count, peak, after in smtp:
        print(f"| {count} | {peak:.0f} | {after:.0f} |")
    print(f"\n| web worker: downloads of a {ATTACHMENT >> 20} MB attachment, 4 at once "
          "| peak RSS MB | RSS after MB |")
    print("|---|---|---|")
    for count, peak, after in web:
        print(f"| {count} | {peak:.0f} | {after:.0f} |")


if __name__ == "__main__":
    os.chdir(ROOT)
    main()
