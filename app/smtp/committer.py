"""Group commit: one writer thread stores what every session of this process has received.

While one batch is being committed, the next one gathers; each session's DATA waits for the
commit that holds its message, so 250 still means "committed". Nothing waits on a timer:
under light load a batch is one message; under load, many share one transaction.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading

from flask import Flask

from app.services.ingest import delivery
from app.services.ingest.delivery import Incoming, Outcome

log = logging.getLogger(__name__)
MAX_BATCH = 64
# What one transaction may write, counted as the copies it stores: a batch closes once it
# holds this much, so no commit holds the store's write lock for long (one message alone may
# exceed it, up to what SMTP_MAX_TRANSACTION_BYTES lets it store).
MAX_BATCH_BYTES = 16 * 1024 * 1024
_Job = tuple[Incoming, asyncio.Future[Outcome], asyncio.AbstractEventLoop]


class GroupCommitter:
    def __init__(self, app: Flask, max_batch: int = MAX_BATCH) -> None:
        self._app = app
        self._max_batch = max_batch
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="mayfly-committer", daemon=True)
        self._thread.start()

    async def submit(self, item: Incoming) -> Outcome:
        """Store one message; returns once its batch has committed (or failed)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Outcome] = loop.create_future()
        self._jobs.put((item, future, loop))
        return await future

    @property
    def queued(self) -> int:
        """Messages waiting for the writer (metrics, tests)."""
        return self._jobs.qsize()

    def close(self) -> None:
        """Finish what is queued, then stop the writer thread."""
        self._jobs.put(None)
        self._thread.join(timeout=60)

    def _run(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            batch, size = [job], stored_bytes(job[0])
            while len(batch) < self._max_batch and size < MAX_BATCH_BYTES:
                try:
                    more = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    self._jobs.put(None)  # stop after this batch
                    break
                batch.append(more)
                size += stored_bytes(more[0])
            for (_, future, loop), outcome in zip(batch, self._store(batch), strict=True):
                loop.call_soon_threadsafe(_resolve, future, outcome)

    def _store(self, batch: list[_Job]) -> list[Outcome]:
        try:
            with self._app.app_context():
                return delivery.deliver_many([item for item, _, _ in batch])
        except Exception as exc:  # the store failed: every session in the batch answers 451
            log.exception("storing a batch of %d failed", len(batch))
            return [Outcome(error=exc) for _ in batch]


def stored_bytes(item: Incoming) -> int:
    """What storing a message writes, about: its size once per recipient mailbox."""
    return len(item.raw) * len(set(item.rcpt_tos))


def _resolve(future: asyncio.Future[Outcome], outcome: Outcome) -> None:
    if not future.done():  # the session may have gone away meanwhile
        future.set_result(outcome)
