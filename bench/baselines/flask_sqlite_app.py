"""Baseline: the smallest Flask + sqlite3 list endpoint, for the API read benchmark.

    BASELINE_DB=path gunicorn -w 2 bench.baselines.flask_sqlite_app:app
"""

from __future__ import annotations

import os
import sqlite3

from flask import Flask, g, jsonify

app = Flask(__name__)


def connection() -> sqlite3.Connection:
    if "db" not in g:
        g.db = sqlite3.connect(os.environ["BASELINE_DB"])
    return g.db


@app.teardown_appcontext
def close(_exc: BaseException | None) -> None:
    db = g.pop("db", None)
    if db is not None:
        db.close()


@app.get("/messages")
def messages():  # type: ignore[no-untyped-def]
    rows = connection().execute(
        "SELECT id, sender, subject, received_at, size FROM messages ORDER BY id DESC LIMIT 50")
    return jsonify([{"id": r[0], "from": r[1], "subject": r[2], "received_at": r[3],
                     "size": r[4]} for r in rows])


def fill(path: str, count: int = 50) -> None:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE IF NOT EXISTS messages (id INTEGER PRIMARY KEY, sender TEXT,"
                   " subject TEXT, received_at TEXT, size INTEGER)")
        db.executemany("INSERT INTO messages (sender, subject, received_at, size) VALUES "
                       "(?, ?, ?, ?)", [("a@example.org", f"Message {i}", "2026-11-21 10:00:00",
                                         3887) for i in range(count)])
