"""Baseline: the smallest Flask + sqlite3 endpoints (a list and one message), for the API
read benchmark: the same payloads as Mayfly's, none of its checks.

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
        "SELECT id, sender, subject, received_at, size, preview FROM messages "
        "ORDER BY id DESC LIMIT 100")
    return jsonify([{"id": r[0], "from": r[1], "subject": r[2], "received_at": r[3],
                     "size": r[4], "preview": r[5]} for r in rows])


@app.get("/messages/<int:message_id>")
def message(message_id: int):  # type: ignore[no-untyped-def]
    r = connection().execute(
        "SELECT id, sender, subject, received_at, size, text_body, html_body FROM messages "
        "WHERE id = ?", (message_id,)).fetchone()
    return jsonify({"id": r[0], "from": r[1], "subject": r[2], "received_at": r[3],
                    "size": r[4], "text": r[5], "html": r[6]})


def fill(path: str, count: int = 100) -> None:
    text = "Hello " * 100
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE IF NOT EXISTS messages (id INTEGER PRIMARY KEY, sender TEXT,"
                   " subject TEXT, received_at TEXT, size INTEGER, preview TEXT,"
                   " text_body TEXT, html_body TEXT)")
        db.executemany("INSERT INTO messages (sender, subject, received_at, size, preview, "
                       "text_body, html_body) VALUES (?, ?, ?, ?, ?, ?, ?)",
                       [("a@example.org", f"Message {i}", "2026-11-21 10:00:00", 3887,
                         text[:140], text, "") for i in range(count)])
