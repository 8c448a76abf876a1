"""A store of a test's own at an older migration revision, to fill by hand in that revision's
schema and then migrate: what an operator's database goes through on an upgrade.

On SQLite it is a file in the test's folder; when the suite runs on PostgreSQL
(TEST_DATABASE_URL), a database of its own on the suite's server, dropped afterwards, so
the test's migrations never touch the shared, already migrated one.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from flask_migrate import downgrade, upgrade

from app import ROOT, create_app, dispose
from app.extensions import db
from tests.conftest import _base_settings

MIGRATIONS = str(ROOT / "migrations")


@contextmanager
def store_at(revision: str, tmp_path: Path, *, sqlite_only: bool = False) -> Iterator[Flask]:
    """An app on a new store migrated up to `revision`, disposed (and its PostgreSQL database
    dropped) after. `sqlite_only`: a SQLite file whatever the suite runs on, for a test of
    what only SQLite does."""
    server = None if sqlite_only else os.environ.get("TEST_DATABASE_URL")
    url = _new_database(server) if server else f"sqlite:///{tmp_path / 'old.db'}"
    app = create_app(_base_settings(url, tmp_path))
    try:
        migrate(app, revision)
        yield app
    finally:
        dispose(app)
        if server:
            _drop_database(server, sa.make_url(url).database or "")


def migrate(app: Flask, revision: str = "head") -> None:
    """Upgrade the app's store to `revision`; the next session sees the new schema."""
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision=revision)
        db.session.remove()


def migrate_down(app: Flask, revision: str) -> None:
    """Downgrade the app's store to `revision`."""
    with app.app_context():
        downgrade(directory=MIGRATIONS, revision=revision)
        db.session.remove()


def _new_database(server: str) -> str:
    base = sa.make_url(server)
    name = f"{base.database}_at_{secrets.token_hex(4)}"
    engine = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def _drop_database(server: str, name: str) -> None:
    engine = sa.create_engine(sa.make_url(server), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()
