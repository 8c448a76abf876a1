"""What an idle browser tab costs the server: the htmx poll that finds nothing new.

Compares, in one run and in-process (no network), the 204 answer of an idle poll with the
full list fragment it avoids rendering, over a mailbox of 50 messages.

    .venv/bin/python bench/poll_cost.py [--runs 7] [--requests 1000]
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._setup import filled_app


def per_request_us(client, url: str, requests: int, status: int) -> float:
    started = time.perf_counter()
    for _ in range(requests):
        response = client.get(url)
        assert response.status_code == status, (url, response.status_code)
    return (time.perf_counter() - started) / requests * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--requests", type=int, default=1000)
    args = parser.parse_args()

    app, address = filled_app(50)
    client = app.test_client()
    page = client.get(f"/inbox/{address}").get_data(as_text=True)
    idle_url = re.search(r'hx-get="([^"]+/list[^"]*)"', page).group(1).replace("&amp;", "&")
    full_url = f"/inbox/{address}/list"

    idle, full = [], []
    for _ in range(args.runs):
        idle.append(per_request_us(client, idle_url, args.requests, 204))
        full.append(per_request_us(client, full_url, args.requests, 200))
    idle_median, full_median = statistics.median(idle), statistics.median(full)
    print(f"runs={args.runs} requests/run={args.requests} mailbox=50 messages")
    print(f"idle poll (204)        median {idle_median:8.0f} us/request")
    print(f"full list fragment     median {full_median:8.0f} us/request")
    print(f"ratio full/idle        {full_median / idle_median:8.1f}x")


if __name__ == "__main__":
    main()
