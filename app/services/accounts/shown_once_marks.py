"""Which shown-once secrets were already taken, for every web process at once.

A new API key or webhook secret rides to the page that shows it in the session cookie
(app/web/shown_once.py). Taking it drops it from the session, but an earlier copy of the
cookie (a proxy's log, a browser profile, a stolen cookie jar) still carries it: so each
stash has a random id, and the first take records that id here. A take that finds its id
recorded shows nothing. The store is the SQL one, shared by every worker and host (and
SQLite's default alike); only a SHA-256 of the id is kept, and a mark is purged, on the
next write, once its stash could no longer be read anyway.
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.extensions import db
from app.models import ShownOnceTaken


def take_first(stash_id: str, now: int, keep_for: int) -> bool:
    """Mark the stash with this id taken: True for the first take of it on any process,
    False for every later one. `now` and `keep_for` are seconds, on the caller's clock;
    `keep_for` must outlast the stash's own lifetime. One transaction, committed."""
    mark = hashlib.sha256(stash_id.encode()).hexdigest()
    db.session.execute(sa.delete(ShownOnceTaken).where(ShownOnceTaken.expires_at < now))
    insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    # The primary key decides between concurrent takes: exactly one insert lands.
    landed = db.session.execute(
        insert(ShownOnceTaken).values(id=mark, expires_at=now + keep_for)
        .on_conflict_do_nothing(index_elements=[ShownOnceTaken.id])
        .returning(ShownOnceTaken.id)).first()
    db.session.commit()
    return landed is not None
