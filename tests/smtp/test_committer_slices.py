"""Group commit writes in slices: a batch closes once the copies it stores reach
MAX_BATCH_BYTES, so one commit never holds the store's write lock for all that is queued."""

from __future__ import annotations

import asyncio
import threading

from app.services.ingest import delivery
from app.services.ingest.delivery import Incoming, Outcome
from app.smtp import committer
from app.smtp.committer import MAX_BATCH_BYTES, GroupCommitter, stored_bytes

MESSAGE = 3 * 1024 * 1024


def test_batches_close_at_the_byte_budget(app, monkeypatch):
    first_taken, release = threading.Event(), threading.Event()
    batches: list[list[Incoming]] = []

    def deliver_many(items: list[Incoming]) -> list[Outcome]:
        batches.append(items)
        if len(batches) == 1:
            first_taken.set()
            release.wait(30)  # the rest queue up meanwhile
        return [Outcome(ids=[1]) for _ in items]

    monkeypatch.setattr(delivery, "deliver_many", deliver_many)
    writer = GroupCommitter(app)

    async def run() -> list[Outcome]:
        loop = asyncio.get_running_loop()
        first = asyncio.ensure_future(writer.submit(Incoming("a@x", ["one@mayfly.test"], b"x")))
        await loop.run_in_executor(None, first_taken.wait, 30)
        # Twelve messages of 3 MiB, each to two mailboxes: 72 MiB queued behind the first.
        rest = [asyncio.ensure_future(writer.submit(Incoming(
            "a@x", ["one@mayfly.test", "two@mayfly.test"], b"y" * MESSAGE))) for _ in range(12)]
        while writer.queued < 12:
            await asyncio.sleep(0.01)
        release.set()
        return await asyncio.gather(first, *rest)

    outcomes = asyncio.run(run())
    writer.close()
    assert all(o.error is None for o in outcomes)
    assert sum(len(b) for b in batches) == 13
    for batch in batches[1:]:
        written = sum(stored_bytes(item) for item in batch)
        assert written < MAX_BATCH_BYTES + 2 * MESSAGE
    assert len(batches) >= 1 + (12 * 2 * MESSAGE) // (MAX_BATCH_BYTES + 2 * MESSAGE)
    assert committer.MAX_BATCH >= 12  # the count alone would have taken all of them at once
