"""Growth: do everyday operations stay flat as the store grows to a million messages?

Fills a fresh store through the service layer (delivery.deliver_many, in batches) to 10k,
100k and 1M messages spread over one tenth as many mailboxes, and at each size measures:
listing a mailbox, opening a message, delivering one more, and the idle htmx poll. Then it
expires 100,000 messages' mailboxes and purges them while delivering, reporting delivery
latency during the purge next to the latency before it.

    .venv/bin/python bench/growth.py [--sizes 10000,100000,1000000] [--samples 300]
        [--database-url postgresql+psycopg://…]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.targets import SECRET

BATCH = 500
PER_MAILBOX = 10
SMALL = (b"From: Loader <loader@example.org>\r\nTo: {to}\r\nSubject: Message {n}\r\n"
         b"Content-Type: text/plain; charset=utf-8\r\n\r\nHello, this is message {n}.\r\n")


def raw_for(address: str, n: int) -> bytes:
    return SMALL.replace(b"{to}", address.encode()).replace(b"{n}", str(n).encode())


def fill(app, start: int, stop: int) -> None:  # type: ignore[no-untyped-def]
    """Messages start..stop-1, PER_MAILBOX to a mailbox, with a progress line."""
    from app.services.ingest.delivery import Incoming, deliver_many

    began = time.perf_counter()
    with app.app_context():
        for first in range(start, stop, BATCH):
            items = []
            for n in range(first, min(first + BATCH, stop)):
                address = f"box{n // PER_MAILBOX}@mayfly.test"
                items.append(Incoming("loader@example.org", [address], raw_for(address, n)))
            deliver_many(items)
            done = min(first + BATCH, stop)
            rate = (done - start) / (time.perf_counter() - began)
            print(f"\r  loading {done:>9,}/{stop:,}  {rate:6.0f} msg/s", end="", flush=True)
    print()


def timed(operation, samples: int) -> float:  # type: ignore[no-untyped-def]
    """Median milliseconds of `samples` calls."""
    times = []
    for i in range(samples):
        started = time.perf_counter()
        operation(i)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def measure(app, size: int, samples: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    import re

    from app.services.ingest import delivery

    client = app.test_client()
    boxes = size // PER_MAILBOX
    picks = [f"box{(i * 7919) % boxes}@mayfly.test" for i in range(samples)]
    ids = [client.get(f"/api/v1/mailboxes/{a}/messages").get_json()["messages"][0]["id"]
           for a in picks[:50]]

    def deliver_one(i: int) -> None:
        with app.app_context():
            delivery.deliver("a@example.org", [picks[i]], raw_for(picks[i], -i))

    def poll_url() -> str:
        page = client.get(f"/inbox/{picks[0]}").get_data(as_text=True)
        return re.search(r'hx-get="([^"]+/list[^"]*)"', page).group(1).replace("&amp;", "&")

    results = {
        "list a mailbox": timed(lambda i: client.get(f"/api/v1/mailboxes/{picks[i]}/messages"),
                                samples),
        "open a message": timed(lambda i: client.get(f"/api/v1/messages/{ids[i % 50]}"), samples),
        "deliver one more": timed(deliver_one, samples),
    }
    poll = poll_url()  # after the deliveries above, so the version it knows is current
    assert client.get(poll).status_code == 204
    results["idle poll (204)"] = timed(lambda i: client.get(poll), samples)
    return results


def purge_while_ingesting(app, size: int, samples: int) -> tuple[float, float, float, int]:  # type: ignore[no-untyped-def]
    """Expire the mailboxes of 100,000 messages; deliver before and during their purge."""
    import sqlalchemy as sa

    from app.extensions import db
    from app.models import Mailbox
    from app.models.base import utcnow
    from app.services.ingest import delivery
    from app.services.mailbox_life import purge

    expired_boxes = min(100_000, size // 2) // PER_MAILBOX
    with app.app_context():
        db.session.execute(sa.update(Mailbox).where(
            Mailbox.address.in_([f"box{i}@mayfly.test" for i in range(expired_boxes)]))
            .values(expires_at=utcnow()))
        db.session.commit()
    live = [f"box{size // PER_MAILBOX - 1 - i}@mayfly.test" for i in range(samples)]

    def latencies(count: int) -> list[float]:
        out = []
        with app.app_context():
            for i in range(count):
                started = time.perf_counter()
                delivery.deliver("a@example.org", [live[i % len(live)]], raw_for(live[0], i))
                out.append((time.perf_counter() - started) * 1000)
        return out

    before = latencies(samples)
    purged = []
    started = time.perf_counter()

    def run_purge() -> None:
        with app.app_context():
            purged.append(purge.purge_expired())

    thread = threading.Thread(target=run_purge)
    thread.start()
    during = []
    while thread.is_alive():
        during += latencies(20)
    thread.join()
    seconds = time.perf_counter() - started
    quantile = statistics.quantiles(during, n=100)
    print(f"  purged {purged[0]:,} mailboxes ({purged[0] * PER_MAILBOX:,} messages) in "
          f"{seconds:.1f} s while delivering {len(during)} messages")
    return statistics.median(before), statistics.median(during), quantile[98], len(during)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    from flask_migrate import upgrade

    from app import ROOT, create_app
    from app.config import Settings
    from app.services.mailbox_life import domains

    workdir = Path(tempfile.mkdtemp(prefix="mayfly-growth-"))
    settings = Settings.from_env({
        "DATABASE_URL": args.database_url or f"sqlite:///{workdir / 'growth.db'}",
        "SECRET_KEY": SECRET, "MAILBOX_QUOTA": "0", "PUBLIC_MAILBOX_TTL": "30d",
        "RATELIMIT_DEFAULT": "100000000 per minute"}, instance_path=workdir)
    app = create_app(settings)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        domains.sync_configured()
    results, loaded = {}, 0
    for size in sizes:
        fill(app, loaded, size)
        loaded = size
        results[size] = measure(app, size, args.samples)
        print(f"  {size:,}: " + ", ".join(f"{k} {v:.2f} ms" for k, v in results[size].items()))
    before, during, p99, count = purge_while_ingesting(app, loaded, args.samples)
    print(f"\nmedian ms over {args.samples} samples; "
          f"{PER_MAILBOX} messages per mailbox; {settings.database_url.split(':')[0]}\n")
    print("| operation | " + " | ".join(f"{s:,} messages" for s in sizes) +
          f" | {sizes[-1]:,} vs {sizes[0]:,} |")
    print("|---|" + "---|" * (len(sizes) + 1))
    for op in results[sizes[0]]:
        cells = " | ".join(f"{results[s][op]:.2f}" for s in sizes)
        print(f"| {op} | {cells} | {results[sizes[-1]][op] / results[sizes[0]][op]:.2f}× |")
    print(f"\ndelivery while purging: median {during:.2f} ms (before: {before:.2f} ms), "
          f"p99 {p99:.2f} ms over {count} deliveries")


if __name__ == "__main__":
    os.chdir(Path(__file__).resolve().parent.parent)
    main()
