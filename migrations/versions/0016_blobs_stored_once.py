"""raw sources and attachment bytes stored once per delivered message

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-11 09:00:00

A message to N mailboxes was stored as N rows each holding the whole raw source (and N copies
of every attachment's bytes), all in one transaction: a 9 MB message to 100 recipients wrote
900 MB. The bytes now live in `blobs`, and each copy's message and attachment rows point at
them with `blob_id`.

A blob is shared by the copies of ONE delivered message (one per raw source, one per
attachment part), not content-addressed by SHA-256: it is created in the transaction that
stores the copies, so no other transaction ever takes a new reference to an existing blob,
and deleting the last reference can never race a delivery reusing it (content addressing
would, and would also tell a sender, by timing or by quota, that somebody else received the
same bytes). Identical mail delivered twice is stored twice; that is the sender's quota.

`blobs.refs` counts the message and attachment rows pointing at a blob, kept by triggers on
both stores whatever deletes the rows (one delete, delete-all, the purge, a mailbox's ON DELETE
CASCADE): the row that takes the count to zero deletes the blob in the same statement. On
PostgreSQL the decrement is an UPDATE of the blob row, so two transactions deleting the last
two copies at once queue on that row and the second sees the first's count: no blob is kept
forever or deleted while a copy still points at it.

The old `messages.raw` and `attachments.data` columns stay in the tables (the bytes move out,
leaving NULL): on SQLite, dropping or retyping them would rebuild `messages`, dropping the
search (0009) and counter (0013) triggers. The app no longer maps them. Downgrade puts every
blob's bytes back into the rows pointing at it and drops the blobs.
"""
import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

OWNERS = ("messages", "attachments")

_SQLITE_ADD = "UPDATE blobs SET refs = refs + 1 WHERE id = new.blob_id"
_SQLITE_DROP = ("UPDATE blobs SET refs = refs - 1 WHERE id = old.blob_id; "
                "DELETE FROM blobs WHERE id = old.blob_id AND refs <= 0")

_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION mayfly_blob_refs() RETURNS trigger AS $$
BEGIN
  IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.blob_id IS NOT NULL THEN
    UPDATE blobs SET refs = refs + 1 WHERE id = NEW.blob_id;
  END IF;
  IF TG_OP IN ('DELETE', 'UPDATE') AND OLD.blob_id IS NOT NULL THEN
    UPDATE blobs SET refs = refs - 1 WHERE id = OLD.blob_id;
    DELETE FROM blobs WHERE id = OLD.blob_id AND refs <= 0;
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql
"""


def upgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.create_table(
        "blobs",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=True),
        sa.Column("refs", sa.BigInteger(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blobs")),
        sqlite_autoincrement=True,
    )
    for table in OWNERS:
        # ALTER TABLE ADD COLUMN on both stores: no table rebuild, the other triggers stay.
        if sqlite:
            op.execute(f"ALTER TABLE {table} ADD COLUMN blob_id INTEGER "
                       f"CONSTRAINT fk_{table}_blob_id_blobs REFERENCES blobs (id)")
        else:
            op.add_column(table, sa.Column("blob_id", sa.BigInteger(), nullable=True))
            op.create_foreign_key(f"fk_{table}_blob_id_blobs", table, "blobs", ["blob_id"],
                                  ["id"])
    # Mail stored before: one blob per message and per attachment, numbered so the owner's id
    # finds it (messages keep their id; attachments come after the highest message id).
    offset = op.get_bind().execute(sa.text("SELECT coalesce(max(id), 0) FROM messages")).scalar()
    op.execute("INSERT INTO blobs (id, data, refs) SELECT id, raw, 1 FROM messages "
               "WHERE raw IS NOT NULL")
    op.execute(f"INSERT INTO blobs (id, data, refs) SELECT id + {int(offset)}, data, 1 "
               "FROM attachments WHERE data IS NOT NULL")
    op.execute("UPDATE messages SET blob_id = id, raw = NULL WHERE raw IS NOT NULL")
    op.execute(f"UPDATE attachments SET blob_id = id + {int(offset)}, data = NULL "
               "WHERE data IS NOT NULL")
    if sqlite:
        for table in OWNERS:
            op.execute(f"CREATE TRIGGER {table}_blob_insert AFTER INSERT ON {table} "
                       f"WHEN new.blob_id IS NOT NULL BEGIN {_SQLITE_ADD}; END")
            op.execute(f"CREATE TRIGGER {table}_blob_delete AFTER DELETE ON {table} "
                       f"WHEN old.blob_id IS NOT NULL BEGIN {_SQLITE_DROP}; END")
            op.execute(f"CREATE TRIGGER {table}_blob_update AFTER UPDATE OF blob_id ON {table} "
                       "WHEN old.blob_id IS NOT new.blob_id BEGIN "
                       f"{_SQLITE_ADD}; {_SQLITE_DROP}; END")
    else:
        op.execute("SELECT setval(pg_get_serial_sequence('blobs', 'id'), "
                   "(SELECT coalesce(max(id), 0) + 1 FROM blobs), false)")
        op.execute(_PG_FUNCTION)
        for table in OWNERS:
            op.execute(f"CREATE TRIGGER {table}_blob_refs AFTER INSERT OR DELETE OR UPDATE OF "
                       f"blob_id ON {table} FOR EACH ROW EXECUTE FUNCTION mayfly_blob_refs()")


def downgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table in OWNERS:
        if sqlite:
            for name in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_blob_{name}")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_blob_refs ON {table}")
    if not sqlite:
        op.execute("DROP FUNCTION IF EXISTS mayfly_blob_refs()")
    op.execute("UPDATE messages SET raw = (SELECT data FROM blobs WHERE blobs.id = "
               "messages.blob_id) WHERE blob_id IS NOT NULL")
    op.execute("UPDATE attachments SET data = (SELECT data FROM blobs WHERE blobs.id = "
               "attachments.blob_id) WHERE blob_id IS NOT NULL")
    for table in OWNERS:
        if sqlite:
            # SQLite (3.35+) drops a column in place: no rebuild, the other triggers stay.
            op.execute(f"ALTER TABLE {table} DROP COLUMN blob_id")
        else:
            op.drop_constraint(f"fk_{table}_blob_id_blobs", table, type_="foreignkey")
            op.drop_column(table, "blob_id")
    op.drop_table("blobs")
