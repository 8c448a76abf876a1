"""Search at a million messages: is every query answered from the full-text index, fast?

Fills a fresh store through the service layer (delivery.deliver_many, so the index is built
exactly as at ingest) with generated mail: 1,000,000 messages over 10,000 mailboxes, ten
owned by each of 1,000 users (1,000 messages a user). Bodies are about 60 words drawn from a
Zipf-like vocabulary of 5,000 words, with planted words of known frequency: "verification"
in 30 % of messages, "invoice" in 10 %, "quasar" in 20 messages in all; senders at 200
domains. Then it times search.find() in process (the service call the API makes), for
random users and for an admin (every mailbox: one inbox of a million), and reports the median
and 95th percentile in milliseconds.

    .venv/bin/python bench/search.py [--messages 1000000] [--samples 200]
        [--database-url postgresql+psycopg://…]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.targets import SECRET

BATCH = 1000
PER_MAILBOX = 100
MAILBOXES_PER_USER = 10
RARE = 20  # messages that carry "quasar"


def vocabulary(rng: random.Random) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return ["".join(rng.choice(letters) for _ in range(rng.randint(3, 9))) for _ in range(5000)]


def message(n: int, total: int, rng: random.Random, words: list[str],
            weights: list[float]) -> tuple[str, bytes]:
    mailbox = f"box{(n // PER_MAILBOX)}@mayfly.test"
    body = rng.choices(words, weights, k=60)
    if rng.random() < 0.3:
        body.insert(rng.randrange(60), "verification")
    if rng.random() < 0.1:
        body[rng.randrange(60):0] = ["your", "invoice"]
    if n % (total // RARE) == 7:
        body.insert(5, "quasar")
    domain = f"shop{n % 200}.example"
    subject = " ".join(rng.choices(words, weights, k=5)).capitalize()
    raw = (f"From: Shop {n % 200} <orders@{domain}>\r\nTo: {mailbox}\r\n"
           f"Subject: {subject}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
           + " ".join(body) + "\r\n").encode()
    return mailbox, raw


def fill(app, total: int) -> None:  # type: ignore[no-untyped-def]
    import sqlalchemy as sa

    from app.extensions import db
    from app.models import Mailbox, User
    from app.services.ingest.delivery import Incoming, deliver_many

    rng = random.Random(7)
    words = vocabulary(rng)
    weights = [1 / (rank + 1) for rank in range(len(words))]
    began = time.perf_counter()
    with app.app_context():
        for first in range(0, total, BATCH):
            items = []
            for n in range(first, min(first + BATCH, total)):
                mailbox, raw = message(n, total, rng, words, weights)
                items.append(Incoming("orders@example.org", [mailbox], raw))
            deliver_many(items)
            done = min(first + BATCH, total)
            rate = done / (time.perf_counter() - began)
            print(f"\r  loading {done:>9,}/{total:,}  {rate:6.0f} msg/s", end="", flush=True)
        print()
        users = total // PER_MAILBOX // MAILBOXES_PER_USER
        db.session.execute(sa.insert(User), [
            {"email": f"user{u}@example.org", "password_hash": "x"} for u in range(users)])
        ids = dict(db.session.execute(sa.select(User.email, User.id)).all())
        for box in range(total // PER_MAILBOX):
            owner = ids[f"user{box // MAILBOXES_PER_USER}@example.org"]
            db.session.execute(sa.update(Mailbox).where(
                Mailbox.address == f"box{box}@mayfly.test").values(owner_id=owner,
                                                                   protected=True))
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(sa.text("ANALYZE"))
            db.session.commit()


def measure(app, total: int, samples: int) -> dict[str, dict[str, float]]:  # type: ignore[no-untyped-def]
    import sqlalchemy as sa

    from app.extensions import db
    from app.models import User
    from app.services.access import Principal
    from app.services.stored_mail import search

    rng = random.Random(11)
    common = vocabulary(random.Random(7))[0]  # fill's vocabulary, most frequent word first
    with app.app_context():
        user_ids = list(db.session.execute(sa.select(User.id)).scalars())
    admin = Principal(user_id=None, is_admin=True)
    cases = {
        "user: a rare word (quasar)": ("quasar", False),
        "user: a word in 30 % (verification)": ("verification", False),
        "user: a phrase in 10 % (\"your invoice\")": ('"your invoice"', False),
        "user: from:shop42": ("from:shop42", False),
        "user: a prefix (verif*)": ("verif*", False),
        "user: the commonest subject word, is:unread": (f"subject:{common} is:unread", False),
        "user: everything (empty query)": ("", False),
        "admin, 1M in scope: a rare word": ("quasar", True),
        "admin, 1M in scope: a word in 30 %": ("verification", True),
        "admin, 1M in scope: a prefix (verif*)": ("verif*", True),
        "admin, 1M in scope: from:shop42 -invoice": ("from:shop42 -invoice", True),
    }
    results = {}
    with app.app_context():
        for name, (query, as_admin) in cases.items():
            times, hits = [], 0
            for i in range(samples + 5):
                who = admin if as_admin else Principal(user_id=rng.choice(user_ids))
                started = time.perf_counter()
                found = search.find(who, query, limit=50)
                elapsed = (time.perf_counter() - started) * 1000
                db.session.rollback()
                if i >= 5:  # the first few warm the caches
                    times.append(elapsed)
                    hits += len(found.items)
            quantiles = statistics.quantiles(times, n=20)
            results[name] = {"median_ms": round(statistics.median(times), 2),
                             "p95_ms": round(quantiles[18], 2),
                             "mean_hits": round(hits / samples, 1)}
            print(f"  {name:<45} median {results[name]['median_ms']:>8.2f} ms   "
                  f"p95 {results[name]['p95_ms']:>8.2f} ms   hits {results[name]['mean_hits']}")
    return results


def main() -> None:
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from app import ROOT, create_app
    from app.config import Settings
    from app.extensions import db
    from app.models import Message
    from app.services.mailbox_life import domains

    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--database-url")
    parser.add_argument("--keep", help="reuse (or create) the SQLite file at this path")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="mayfly-search-"))
    url = args.database_url or f"sqlite:///{args.keep or folder / 'search.db'}"
    app = create_app(Settings(database_url=url, secret_key=SECRET, instance_path=folder))
    store = url.split(":")[0].split("+")[0]
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        domains.sync_configured()
        present = db.session.execute(sa.select(sa.func.count()).select_from(Message)).scalar_one()
    if present < args.messages:
        print(f"filling {args.messages:,} messages ({store})")
        fill(app, args.messages)
    print(f"searching ({store}, {args.messages:,} messages, {args.samples} samples a case)")
    results = measure(app, args.messages, args.samples)
    out = Path(__file__).parent / "results" / f"search-{store}.json"
    out.write_text(json.dumps({"messages": args.messages, "results": results}, indent=2) + "\n")
    print(f"written to {out}")


if __name__ == "__main__":
    main()
