"""per-mailbox message counters kept at write time

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 22:30:00

A mailbox's state (how many messages, how many unread, how many awaiting sender checks, and
a change counter that moves with every arrival, deletion, read flag and verdict) was counted
over all its messages on every read, and the inbox poll is rate-limit exempt: a sender who
fills a public mailbox with 100,000 tiny messages made every poll cost what they chose.
Triggers keep the counts on the mailbox row instead, on both stores, whichever code path
writes a message, so a read costs one row. The change counter is per mailbox: the inbox
version no longer shows anyone the global message counter.
"""
import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

COUNTERS = ("message_count", "unread_count", "pending_count", "change_count")

# What one message adds to its mailbox's counters (SQLite booleans are 0 and 1).
_SQLITE_INSERT = ("UPDATE mailboxes SET message_count = message_count + 1, "
                  "unread_count = unread_count + (NOT new.seen), "
                  "pending_count = pending_count + new.auth_pending, "
                  "change_count = change_count + 1 WHERE id = new.mailbox_id")
_SQLITE_DELETE = ("UPDATE mailboxes SET message_count = message_count - 1, "
                  "unread_count = unread_count - (NOT old.seen), "
                  "pending_count = pending_count - old.auth_pending, "
                  "change_count = change_count + 1 WHERE id = old.mailbox_id")
_SQLITE_UPDATE = ("UPDATE mailboxes SET unread_count = unread_count + old.seen - new.seen, "
                  "pending_count = pending_count + new.auth_pending - old.auth_pending, "
                  "change_count = change_count + 1 WHERE id = new.mailbox_id")

_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION mayfly_mailbox_counts() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE mailboxes SET message_count = message_count + 1,
      unread_count = unread_count + (CASE WHEN NEW.seen THEN 0 ELSE 1 END),
      pending_count = pending_count + (CASE WHEN NEW.auth_pending THEN 1 ELSE 0 END),
      change_count = change_count + 1
    WHERE id = NEW.mailbox_id;
  ELSIF TG_OP = 'DELETE' THEN
    UPDATE mailboxes SET message_count = message_count - 1,
      unread_count = unread_count - (CASE WHEN OLD.seen THEN 0 ELSE 1 END),
      pending_count = pending_count - (CASE WHEN OLD.auth_pending THEN 1 ELSE 0 END),
      change_count = change_count + 1
    WHERE id = OLD.mailbox_id;
  ELSIF NEW.seen IS DISTINCT FROM OLD.seen
        OR NEW.auth_pending IS DISTINCT FROM OLD.auth_pending THEN
    UPDATE mailboxes SET
      unread_count = unread_count + (CASE WHEN OLD.seen THEN 1 ELSE 0 END)
                                  - (CASE WHEN NEW.seen THEN 1 ELSE 0 END),
      pending_count = pending_count + (CASE WHEN NEW.auth_pending THEN 1 ELSE 0 END)
                                    - (CASE WHEN OLD.auth_pending THEN 1 ELSE 0 END),
      change_count = change_count + 1
    WHERE id = NEW.mailbox_id;
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql
"""


def upgrade():
    for name in COUNTERS:
        op.add_column("mailboxes", sa.Column(name, sa.BigInteger(), nullable=False,
                                             server_default="0"))
    # Mail stored before: counted once here.
    op.execute("UPDATE mailboxes SET "
               "message_count = (SELECT count(*) FROM messages m WHERE m.mailbox_id = mailboxes.id), "
               "unread_count = (SELECT count(*) FROM messages m WHERE m.mailbox_id = mailboxes.id "
               "AND m.seen = false), "
               "pending_count = (SELECT count(*) FROM messages m WHERE m.mailbox_id = mailboxes.id "
               "AND m.auth_pending = true)")
    op.execute("UPDATE mailboxes SET change_count = message_count")
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"CREATE TRIGGER messages_counts_insert AFTER INSERT ON messages BEGIN "
                   f"{_SQLITE_INSERT}; END")
        op.execute(f"CREATE TRIGGER messages_counts_delete AFTER DELETE ON messages BEGIN "
                   f"{_SQLITE_DELETE}; END")
        op.execute("CREATE TRIGGER messages_counts_update AFTER UPDATE OF seen, auth_pending "
                   "ON messages WHEN old.seen IS NOT new.seen "
                   f"OR old.auth_pending IS NOT new.auth_pending BEGIN {_SQLITE_UPDATE}; END")
    else:
        op.execute(_PG_FUNCTION)
        op.execute("CREATE TRIGGER messages_counts AFTER INSERT OR DELETE OR UPDATE OF seen, "
                   "auth_pending ON messages FOR EACH ROW EXECUTE FUNCTION mayfly_mailbox_counts()")


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS messages_counts_{name}")
    else:
        op.execute("DROP TRIGGER IF EXISTS messages_counts ON messages")
        op.execute("DROP FUNCTION IF EXISTS mayfly_mailbox_counts()")
    with op.batch_alter_table("mailboxes") as batch:
        for name in COUNTERS:
            batch.drop_column(name)
