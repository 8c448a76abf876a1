"""Scale-out, measured: the embedded default (SQLite, the launcher's private Redis) and the
deploy topology (PostgreSQL, Redis, nginx in front of the web processes, independent SMTP
sidecars) with 1, 2 and 4 web and SMTP processes, under the same loads: ingest of realistic
mail with smtp-source, and the list read with wrk.

    .venv/bin/python bench/scaling.py [--processes 1,2,4] [--messages 3000] [--seconds 8]
"""

from __future__ import annotations

import argparse
import json
import smtplib
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.api_read import wrk
from bench.launch import Mayfly
from bench.targets import free_port
from deploy.topology import Topology
from tests.factories import build_eml

REALISTIC = Path(__file__).resolve().parent / "data" / "realistic.eml"
LIST = "/api/v1/mailboxes/bench@mayfly.test/messages?limit=100"


def measure(base: str, smtp_port: int, messages: int, seconds: int,
            context: ssl.SSLContext | None = None) -> tuple[float, float]:
    """(ingest messages/s, list requests/s)."""
    started = time.perf_counter()
    subprocess.run(["smtp-source", "-s", "20", "-m", str(messages), "-N", "-F", str(REALISTIC),
                    "-t", "ingest@mayfly.test", f"127.0.0.1:{smtp_port}"], check=True,
                   capture_output=True)
    ingest = messages / (time.perf_counter() - started)
    with smtplib.SMTP("127.0.0.1", smtp_port) as smtp:
        for i in range(100):
            smtp.sendmail("a@example.org", ["bench@mayfly.test"], build_eml(
                to="bench@mayfly.test", subject=f"Message {i}", text="Hello " * 100))
    json.load(urllib.request.urlopen(base + LIST, context=context))
    return ingest, wrk(base + LIST, seconds, 20)[0]


def embedded(processes: int, args: argparse.Namespace) -> tuple[float, float]:
    mayfly = Mayfly(Path(tempfile.mkdtemp(prefix="mayfly-scale-")), settings={
        "WEB_WORKERS": str(processes), "SMTP_PROCESSES": str(processes)}).start()
    try:
        return measure(mayfly.base, mayfly.smtp_port, args.messages, args.seconds)
    finally:
        mayfly.stop()


def topology(processes: int, args: argparse.Namespace) -> tuple[float, float]:
    setup = Topology(smtp_port=free_port(), web_port=free_port(), web_processes=processes,
                     smtp_sidecars=processes, settings={
                         "WEB_WORKERS": "1", "RATELIMIT_DEFAULT": "100000000 per minute"})
    setup.start()
    try:
        # Through nginx's HTTPS, as in production (its certificate is self-signed).
        return measure(setup.base, setup.smtp_port, args.messages, args.seconds,
                       ssl.create_default_context(cafile=str(setup.certificate)))
    finally:
        setup.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--processes", default="1,2,4")
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--seconds", type=int, default=8)
    args = parser.parse_args()
    rows = []
    for processes in (int(p) for p in args.processes.split(",")):
        for name, run in (("embedded (SQLite)", embedded),
                          ("topology (PostgreSQL, Redis, nginx)", topology)):
            ingest, reads = run(processes, args)
            rows.append((name, processes, ingest, reads))
            print(f"{name:36} {processes} process(es): ingest {ingest:6.0f} msg/s, "
                  f"list {reads:6.0f} req/s", flush=True)
    first = {name: (ingest, reads) for name, p, ingest, reads in rows if p == rows[0][1]}
    embedded_one = first["embedded (SQLite)"]
    print("\n| setup | web + SMTP processes | ingest msg/s | × embedded, 1 | list req/s "
          "| × embedded, 1 |\n|---|---|---|---|---|---|")
    for name, processes, ingest, reads in rows:
        print(f"| {name} | {processes} + {processes} | {ingest:.0f} | "
              f"{ingest / embedded_one[0]:.2f}× | {reads:.0f} | {reads / embedded_one[1]:.2f}× |")


if __name__ == "__main__":
    main()
