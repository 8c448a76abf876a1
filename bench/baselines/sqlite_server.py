"""Baseline: bare aiosmtpd that parses each message (stdlib email, policy.default) and
inserts it with sqlite3, committing before 250: the limit with a durable store.

    python bench/baselines/sqlite_server.py PORT DB_PATH
"""

from __future__ import annotations

import asyncio
import email
import signal
import sqlite3
import sys
import threading
from email import policy

from aiosmtpd.controller import Controller


class Store:
    def __init__(self, path: str) -> None:
        self.db = sqlite3.connect(path, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("CREATE TABLE IF NOT EXISTS messages (id INTEGER PRIMARY KEY, rcpt TEXT,"
                        " sender TEXT, subject TEXT, body TEXT, raw BLOB)")
        self.lock = threading.Lock()

    def save(self, rcpt: str, raw: bytes) -> None:
        message = email.message_from_bytes(raw, policy=policy.default)
        body = message.get_body(("plain", "html"))
        text = body.get_content() if body is not None else ""
        with self.lock:
            self.db.execute("INSERT INTO messages (rcpt, sender, subject, body, raw)"
                            " VALUES (?, ?, ?, ?, ?)",
                            (rcpt, str(message["from"]), str(message["subject"]), text, raw))
            self.db.commit()


class Handler:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def handle_DATA(self, server, session, envelope) -> str:
        await asyncio.to_thread(self.store.save, envelope.rcpt_tos[0], envelope.original_content)
        return "250 OK"


if __name__ == "__main__":
    controller = Controller(Handler(Store(sys.argv[2])), hostname="127.0.0.1",
                            port=int(sys.argv[1]), data_size_limit=None)
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    controller.stop()
