"""SMTP ingest, side by side: Postfix's smtp-source against five servers, in one run.

Targets: Postfix's smtp-sink (the loopback's limit), a bare aiosmtpd that discards (the
Python SMTP stack's limit), a bare aiosmtpd that parses and commits each message to SQLite
before 250 (the limit with a durable store), MailDev (in memory), and Mayfly (counted
afterwards: every message must be stored and readable through the API).

    .venv/bin/python bench/smtp_ingest.py [--messages 5000] [--sessions 20] [--runs 3]
        [--payloads 4k,realistic,100k] [--targets smtp-sink,discard,sqlite,maildev,mayfly]

Needs Debian's postfix (smtp-source, smtp-sink; no daemon is started) and MailDev from npm
(`npm install --prefix bench/.node maildev@2.2.1`; the script does it when missing).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.targets import TARGETS, Target, free_port, wait_for_port

BENCH = Path(__file__).resolve().parent
PAYLOADS = {"4k": ["-l", "4096"], "realistic": ["-F", str(BENCH / "data" / "realistic.eml")],
            "100k": ["-l", "102400"]}


def run_once(target: Target, payload: str, messages: int, sessions: int) -> float:
    """Messages per second for one run against a freshly started target."""
    workdir = Path(tempfile.mkdtemp(prefix=f"mayfly-bench-{target.name}-"))
    port = free_port()
    server = target.start(port, workdir)
    try:
        wait_for_port(port)
        started = time.perf_counter()
        result = subprocess.run(
            ["smtp-source", "-s", str(sessions), "-m", str(messages), "-N",
             "-f", "sender@example.org", "-t", "bench@mayfly.test", *PAYLOADS[payload],
             f"127.0.0.1:{port}"], capture_output=True, text=True, timeout=3600)
        elapsed = time.perf_counter() - started
        if result.returncode != 0:
            raise RuntimeError(f"smtp-source failed against {target.name}: {result.stderr}")
        target.verify(workdir, messages)
    finally:
        target.stop(server)
        shutil.rmtree(workdir, ignore_errors=True)
    return messages / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--payloads", default="4k,realistic,100k")
    parser.add_argument("--targets", default=",".join(TARGETS))
    args = parser.parse_args()
    targets = [TARGETS[name] for name in args.targets.split(",")]
    payloads = args.payloads.split(",")
    rates: dict[tuple[str, str], list[float]] = {}
    for run in range(args.runs):
        for payload in payloads:
            # Interleaved, so drift on a noisy machine spreads over every target alike.
            for target in targets:
                rate = run_once(target, payload, args.messages, args.sessions)
                rates.setdefault((payload, target.name), []).append(rate)
                print(f"run {run + 1} {payload:9} {target.name:9} {rate:8.0f} msg/s", flush=True)
    print(f"\n{args.messages} messages, {args.sessions} sessions, a new connection per message, "
          f"median of {args.runs} runs (messages/s; ratio to MailDev)\n")
    print("| payload | " + " | ".join(t.name for t in targets) + " |")
    print("|---|" + "---|" * len(targets))
    for payload in payloads:
        medians = {t.name: statistics.median(rates[(payload, t.name)]) for t in targets}
        base = medians.get("maildev")
        cells = [f"{medians[t.name]:.0f}" + (f" ({medians[t.name] / base:.2f}×)" if base else "")
                 for t in targets]
        print(f"| {payload} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    os.chdir(BENCH.parent)
    main()
