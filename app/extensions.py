"""Flask extensions, created unbound and bound to an app by `init_extensions`."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import event
from sqlalchemy.engine import Engine

from app.models.base import Base

# Objects keep what they held after a commit: a request that writes and then shows the
# result does not read every row again (each request ends its session anyway).
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()
# The default per-IP limit is read per request from the app's RATELIMIT_DEFAULT, so every
# app (and test) bound to this one Limiter keeps its own setting.
limiter = Limiter(key_func=get_remote_address,
                  default_limits=[lambda: current_app.config["MAYFLY"].ratelimit_default])


def init_extensions(app: Flask) -> None:
    db.init_app(app)
    # render_as_batch: SQLite cannot ALTER most things, Alembic rebuilds the table instead.
    migrate.init_app(app, db, directory=str(app.config["MIGRATIONS_DIR"]), render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)


# How long a SQLite statement waits for the write lock. Group commit writes in slices, so a
# writer holds the lock for well under a second; gunicorn's worker timeout stays above this.
SQLITE_BUSY_SECONDS = 30


@event.listens_for(Engine, "connect")
def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets readers and the SMTP writer work at once; foreign keys make cascades real."""
    if type(dbapi_connection).__module__ != "sqlite3":
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_SECONDS * 1000}")
    cursor.close()
