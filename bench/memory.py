"""Memory stays flat: RSS of an SMTP worker and a web worker of one Mayfly (started as
scripts/serve starts it, one worker of each) while mail piles up, while 10 MB messages
arrive, while 25 MB attachments are downloaded, and while 1,000 event streams are open.

    .venv/bin/python bench/memory.py [--messages 100000] [--big 120] [--streams 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import smtplib
import subprocess
import sys
import tempfile
import threading
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.launch import Mayfly, raise_file_limit
from bench.streams import Holder, open_all, rss_mb
from tests.factories import build_eml

REALISTIC = Path(__file__).resolve().parent / "data" / "realistic.eml"
ATTACHMENT = 25 * 1024 * 1024


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


def source(port: int, count: int, *args: str) -> None:
    subprocess.run(["smtp-source", "-s", "20", "-m", str(count), "-N", *args,
                    "-t", "pile@mayfly.test", f"127.0.0.1:{port}"], check=True,
                   capture_output=True)


def row(rows: list[tuple[str, float, float, float]], what: str, pid: int,
        before: float, sampler: Sampler) -> None:
    rows.append((what, before, sampler.peak, rss_mb(pid)))
    print(f"  {what}: before {before:.0f} MB, peak {sampler.peak:.0f}, after {rows[-1][3]:.0f}",
          flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--big", type=int, default=120)
    parser.add_argument("--streams", type=int, default=1000)
    args = parser.parse_args()
    raise_file_limit()
    mayfly = Mayfly(Path(tempfile.mkdtemp(prefix="mayfly-memory-")), settings={
        "SMTP_PROCESSES": "1", "WEB_WORKERS": "1", "MAX_MESSAGE_SIZE": "40MiB"}).start()
    rows: list[tuple[str, float, float, float]] = []
    try:
        (smtp,), (web,) = mayfly.pids("smtp"), mayfly.pids("web")
        start = rss_mb(smtp)
        for done in range(args.messages // 4, args.messages + 1, args.messages // 4):
            before = rss_mb(smtp)
            with Sampler(smtp) as sampler:
                source(mayfly.smtp_port, args.messages // 4, "-F", str(REALISTIC))
            row(rows, f"SMTP worker, {done:,} realistic messages stored", smtp, before, sampler)
        before = rss_mb(smtp)
        with Sampler(smtp) as sampler:
            source(mayfly.smtp_port, args.big, "-l", str(10_000_000))
        row(rows, f"SMTP worker, {args.big} messages of 10 MB on 20 sessions", smtp, before,
            sampler)
        download = attachment_url(mayfly)
        before = rss_mb(web)
        with Sampler(web) as sampler:
            for _ in range(4):
                threads = [threading.Thread(target=lambda: urllib.request.urlopen(
                    download).read()) for _ in range(4)]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
        row(rows, "web worker, 16 downloads of a 25 MB attachment, 4 at once", web, before,
            sampler)
        before = rss_mb(web)
        with Sampler(web) as sampler:
            asyncio.run(hold_streams(mayfly, args.streams))
        row(rows, f"web worker, {args.streams:,} event streams open", web, before, sampler)
    finally:
        mayfly.stop()
    print(f"\nSMTP worker at start: {start:.0f} MB\n")
    print("| while | RSS before MB | peak MB | after MB |\n|---|---|---|---|")
    for what, before, peak, after in rows:
        print(f"| {what} | {before:.0f} | {peak:.0f} | {after:.0f} |")


def attachment_url(mayfly: Mayfly) -> str:
    with smtplib.SMTP("127.0.0.1", mayfly.smtp_port) as smtp:
        smtp.sendmail("a@example.org", ["files@mayfly.test"], build_eml(
            to="files@mayfly.test", attachments=[("big.bin", "application/octet-stream",
                                                  os.urandom(ATTACHMENT))]))
    listing = json.load(urllib.request.urlopen(
        f"{mayfly.base}/api/v1/mailboxes/files@mayfly.test/messages"))
    message = json.load(urllib.request.urlopen(
        f"{mayfly.base}/api/v1/messages/{listing['messages'][0]['id']}"))
    return mayfly.base + message["attachments"][0]["url"]


async def hold_streams(mayfly: Mayfly, count: int) -> None:
    holder = Holder(mayfly.web_port)
    await open_all(holder, ["/api/v1/mailboxes/pile@mayfly.test/events"] * count)
    await asyncio.sleep(10)
    for task in holder.tasks:
        task.cancel()


if __name__ == "__main__":
    main()
