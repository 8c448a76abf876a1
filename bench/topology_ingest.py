"""Ingest against the scale-out topology (deploy/topology.py): PostgreSQL, Redis, gunicorn,
and two SMTP sidecars sharing the port. Counts what is stored: nothing may be lost.

    .venv/bin/python bench/topology_ingest.py [--messages 5000] [--sessions 20] [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.targets import BENCH, check_mayfly
from deploy.topology import Topology


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    rates = []
    for run in range(args.runs):
        topology = Topology(smtp_port=_port(), web_port=_port())
        topology.start()
        try:
            started = time.perf_counter()
            subprocess.run(["smtp-source", "-s", str(args.sessions), "-m", str(args.messages),
                            "-N", "-t", "bench@mayfly.test", "-F",
                            str(BENCH / "data" / "realistic.eml"),
                            f"127.0.0.1:{topology.smtp_port}"], check=True, capture_output=True)
            rates.append(args.messages / (time.perf_counter() - started))
            check_mayfly(topology.workdir, args.messages, topology.database_url)
            print(f"run {run + 1}: {rates[-1]:.0f} msg/s, {args.messages} of {args.messages} "
                  "stored and readable, 0 lost", flush=True)
        finally:
            topology.stop()
    print(f"\ntopology (PostgreSQL + Redis, 2 SMTP sidecars): median {statistics.median(rates):.0f}"
          f" msg/s over {args.runs} runs of {args.messages} realistic messages")


def _port() -> int:
    from bench.targets import free_port

    return free_port()


if __name__ == "__main__":
    main()
