"""Waiting costs a socket, not a thread: open event streams and long waits held against the
default launch (two gevent workers), while ordinary list requests are timed.

Every stream and wait comes from its own loopback address (127.0.x.y), so each is a client
of its own, as browsers and test runners are; WAIT_MAX_PER_CLIENT does not apply across
them. While all are open, --rate list requests a second run for --seconds (new connections,
one at a time, as a polling client makes them), then --mail messages are sent and the
streams watching those mailboxes must each receive them.

    .venv/bin/python bench/streams.py [--streams 2200] [--waits 440] [--seconds 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import smtplib
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.launch import Mayfly, raise_file_limit
from tests.factories import build_eml

MAILBOXES = 50


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def per_worker_connections(port: int) -> dict[int, int]:
    out = subprocess.run(["ss", "-Htnp", "state", "established", f"( sport = :{port} )"],
                         capture_output=True, text=True).stdout
    counts: dict[int, int] = {}
    for line in out.splitlines():
        for part in line.split("pid=")[1:]:
            pid = int(part.split(",")[0])
            counts[pid] = counts.get(pid, 0) + 1
    return counts


class Holder:
    """Opens and holds streams and waits, each from its own loopback address."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.events = 0
        self.opened = 0
        self.refused = 0
        self.tasks: list[asyncio.Task[None]] = []
        self._next_ip = 0

    def _source(self) -> str:
        self._next_ip += 1
        n = self._next_ip
        return f"127.{1 + n // 62500}.{(n // 250) % 250}.{1 + n % 250}"

    async def hold(self, path: str) -> None:
        reader, writer = await asyncio.open_connection(
            "127.0.0.1", self.port, local_addr=(self._source(), 0))
        writer.write(f"GET {path} HTTP/1.1\r\nHost: bench\r\n\r\n".encode())
        await writer.drain()
        status = await reader.readline()
        if b" 200 " not in status:
            self.refused += 1
            writer.close()
            return
        self.opened += 1
        while line := await reader.readline():
            if line.startswith(b"event: message"):
                self.events += 1
        writer.close()


async def open_all(holder: Holder, paths: list[str], batch: int = 100) -> None:
    for start in range(0, len(paths), batch):
        for path in paths[start:start + batch]:
            holder.tasks.append(asyncio.create_task(holder.hold(path)))
        await asyncio.sleep(0.2)
    deadline = time.monotonic() + 120
    while holder.opened + holder.refused < len(paths) and time.monotonic() < deadline:
        await asyncio.sleep(0.5)


def time_lists(base: str, seconds: float, rate: float) -> list[float]:
    url = f"{base}/api/v1/mailboxes/box0@mayfly.test/messages"
    latencies, end = [], time.monotonic() + seconds
    while time.monotonic() < end:
        started = time.monotonic()
        urllib.request.urlopen(url, timeout=30).read()
        latencies.append((time.monotonic() - started) * 1000)
        time.sleep(max(0.0, 1 / rate - (time.monotonic() - started)))
    return latencies


async def run(args: argparse.Namespace, mayfly: Mayfly) -> dict[str, object]:
    holder = Holder(mayfly.web_port)
    workers = mayfly.pids("web")
    rss_before = {pid: rss_mb(pid) for pid in workers}
    streams = [f"/api/v1/mailboxes/box{n % MAILBOXES}@mayfly.test/events"
               for n in range(args.streams)]
    waits = [f"/api/v1/mailboxes/idle{n}@mayfly.test/messages?wait=60"
             for n in range(args.waits)]
    await open_all(holder, streams)
    opening_waits = asyncio.create_task(open_all(holder, waits))  # they answer at their end
    await asyncio.sleep(5)
    held = per_worker_connections(mayfly.web_port)
    latencies = await asyncio.to_thread(time_lists, mayfly.base, args.seconds, args.rate)
    with smtplib.SMTP("127.0.0.1", mayfly.smtp_port) as smtp:
        for n in range(args.mail):
            address = f"box{n % MAILBOXES}@mayfly.test"
            smtp.sendmail("a@example.org", [address], build_eml(to=address, subject=f"n{n}"))
    expected = sum(args.streams // MAILBOXES + (1 if n < args.streams % MAILBOXES else 0)
                   for n in range(min(args.mail, MAILBOXES)))
    deadline = time.monotonic() + 60
    while holder.events < expected and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
    rss_after = {pid: rss_mb(pid) for pid in workers}
    opening_waits.cancel()
    for task in holder.tasks:
        task.cancel()
    return {"opened": holder.opened, "refused": holder.refused, "held": held,
            "latencies": latencies, "events": holder.events, "expected": expected,
            "rss_before": rss_before, "rss_after": rss_after}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--streams", type=int, default=2200)
    parser.add_argument("--waits", type=int, default=440)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--rate", type=float, default=50)
    parser.add_argument("--mail", type=int, default=50)
    args = parser.parse_args()
    raise_file_limit()
    mayfly = Mayfly(Path(tempfile.mkdtemp(prefix="mayfly-bench-streams-"))).start()
    try:
        with smtplib.SMTP("127.0.0.1", mayfly.smtp_port) as smtp:
            for n in range(MAILBOXES):
                smtp.sendmail("a@example.org", [f"box{n}@mayfly.test"],
                              build_eml(to=f"box{n}@mayfly.test", subject="first"))
        quiet = time_lists(mayfly.base, args.seconds / 2, args.rate)
        result = asyncio.run(run(args, mayfly))
    finally:
        mayfly.stop()
        print(f"server log: {mayfly.workdir / 'serve.log'}")
    lat = sorted(result["latencies"])  # type: ignore[arg-type]
    print(json.dumps({k: v for k, v in result.items() if k != "latencies"}, indent=1))

    def p(values: list[float], q: float) -> float:
        return values[min(len(values) - 1, int(q * len(values)))]

    quiet.sort()
    print(f"\n| list requests ({args.rate:.0f}/s) | p50 ms | p99 ms |\n|---|---|---|")
    print(f"| nothing else open | {statistics.median(quiet):.1f} | {p(quiet, 0.99):.1f} |")
    print(f"| {result['opened']} streams and waits open | {statistics.median(lat):.1f} | "
          f"{p(lat, 0.99):.1f} |")


if __name__ == "__main__":
    main()
