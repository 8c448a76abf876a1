"""sender checks in their own table; attachment numbers made on demand

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-12 09:00:00

A message's sender checks (the client's IP and HELO name, the pending flag and its claim,
the SPF/DKIM/DMARC/ARC verdicts) move out of `messages` into `message_checks`, one row per
message that has any (primary key: the message's id, deleted with it). A verdict arriving
now rewrites that small row; every listing reads a narrower `messages`. The evaluator's
queue keeps its partial index, on the new table.

The mailbox counters of 0013 counted pending checks from `messages.auth_pending`. The new
row carries its message's mailbox id, and triggers on `message_checks` keep
`mailboxes.pending_count` (and move `change_count` when a verdict arrives) from that row
alone: a message deleted takes its checks row with it by ON DELETE CASCADE, and by then the
message row is gone (SQLite runs foreign-key actions before AFTER triggers; PostgreSQL runs
the cascade after the statement), so no trigger could look the mailbox up through it.
The `messages` triggers now count messages and unread ones only.

Columns are dropped and added in place (SQLite 3.35+ ALTER TABLE DROP/ADD COLUMN), never by a
table rebuild, which would drop the search (0009), counter (0013) and blob (0016) triggers.

tempmail-php's attachment numbers are no longer written at delivery: a new attachment's
number is derived from its row id (app.services.stored_mail.attachment_numbers). The numbers
already given out stay in `attachment_numbers` (0006), read but no longer written, so this
revision changes nothing there.

Downgrade puts every moved value back into `messages` and restores 0013's triggers.
"""
import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
VERDICTS = ("spf", "dkim", "dmarc", "arc")
MOVED = ("client_ip", "helo", "auth_pending", "auth_claimed_at", "auth",
         *(f"auth_{v}" for v in VERDICTS))
# Every message whose checks columns hold anything gets a checks row (JSON null, which an
# unset verdict may hold, is nothing: its reader sees None either way).
_MOVE_OUT = (
    "INSERT INTO message_checks (message_id, mailbox_id, client_ip, helo, auth_pending, "
    "auth_claimed_at, auth, auth_spf, auth_dkim, auth_dmarc, auth_arc) "
    "SELECT id, mailbox_id, client_ip, helo, auth_pending, auth_claimed_at, auth, auth_spf, "
    "auth_dkim, auth_dmarc, auth_arc FROM messages WHERE auth_pending "
    "OR client_ip IS NOT NULL OR helo IS NOT NULL OR auth_claimed_at IS NOT NULL "
    "OR CAST(auth AS TEXT) <> 'null' OR auth_spf IS NOT NULL OR auth_dkim IS NOT NULL "
    "OR auth_dmarc IS NOT NULL OR auth_arc IS NOT NULL")
_MOVE_BACK = (
    "UPDATE messages SET (client_ip, helo, auth_pending, auth_claimed_at, auth, auth_spf, "
    "auth_dkim, auth_dmarc, auth_arc) = (SELECT client_ip, helo, auth_pending, "
    "auth_claimed_at, auth, auth_spf, auth_dkim, auth_dmarc, auth_arc FROM message_checks c "
    "WHERE c.message_id = messages.id) WHERE id IN (SELECT message_id FROM message_checks)")

# SQLite: what a message adds to its mailbox's counters, before (0013) and after this revision.
_SQLITE_MESSAGES_BEFORE = {
    "insert": ("AFTER INSERT ON messages",
               "UPDATE mailboxes SET message_count = message_count + 1, "
               "unread_count = unread_count + (NOT new.seen), "
               "pending_count = pending_count + new.auth_pending, "
               "change_count = change_count + 1 WHERE id = new.mailbox_id"),
    "delete": ("AFTER DELETE ON messages",
               "UPDATE mailboxes SET message_count = message_count - 1, "
               "unread_count = unread_count - (NOT old.seen), "
               "pending_count = pending_count - old.auth_pending, "
               "change_count = change_count + 1 WHERE id = old.mailbox_id"),
    "update": ("AFTER UPDATE OF seen, auth_pending ON messages WHEN old.seen IS NOT new.seen "
               "OR old.auth_pending IS NOT new.auth_pending",
               "UPDATE mailboxes SET unread_count = unread_count + old.seen - new.seen, "
               "pending_count = pending_count + new.auth_pending - old.auth_pending, "
               "change_count = change_count + 1 WHERE id = new.mailbox_id"),
}
_SQLITE_MESSAGES_AFTER = {
    "insert": ("AFTER INSERT ON messages",
               "UPDATE mailboxes SET message_count = message_count + 1, "
               "unread_count = unread_count + (NOT new.seen), "
               "change_count = change_count + 1 WHERE id = new.mailbox_id"),
    "delete": ("AFTER DELETE ON messages",
               "UPDATE mailboxes SET message_count = message_count - 1, "
               "unread_count = unread_count - (NOT old.seen), "
               "change_count = change_count + 1 WHERE id = old.mailbox_id"),
    "update": ("AFTER UPDATE OF seen ON messages WHEN old.seen IS NOT new.seen",
               "UPDATE mailboxes SET unread_count = unread_count + old.seen - new.seen, "
               "change_count = change_count + 1 WHERE id = new.mailbox_id"),
}
_SQLITE_CHECKS = {
    "insert": ("AFTER INSERT ON message_checks WHEN new.auth_pending",
               "UPDATE mailboxes SET pending_count = pending_count + 1 "
               "WHERE id = new.mailbox_id"),
    "delete": ("AFTER DELETE ON message_checks WHEN old.auth_pending",
               "UPDATE mailboxes SET pending_count = pending_count - 1 "
               "WHERE id = old.mailbox_id"),
    # Verdicts arriving: a change the mailbox's version shows.
    "update": ("AFTER UPDATE OF auth_pending ON message_checks "
               "WHEN old.auth_pending IS NOT new.auth_pending",
               "UPDATE mailboxes SET pending_count = pending_count + new.auth_pending "
               "- old.auth_pending, change_count = change_count + 1 WHERE id = new.mailbox_id"),
}

_PG_MESSAGES_BEFORE = """
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
_PG_MESSAGES_AFTER = """
CREATE OR REPLACE FUNCTION mayfly_mailbox_counts() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE mailboxes SET message_count = message_count + 1,
      unread_count = unread_count + (CASE WHEN NEW.seen THEN 0 ELSE 1 END),
      change_count = change_count + 1
    WHERE id = NEW.mailbox_id;
  ELSIF TG_OP = 'DELETE' THEN
    UPDATE mailboxes SET message_count = message_count - 1,
      unread_count = unread_count - (CASE WHEN OLD.seen THEN 0 ELSE 1 END),
      change_count = change_count + 1
    WHERE id = OLD.mailbox_id;
  ELSIF NEW.seen IS DISTINCT FROM OLD.seen THEN
    UPDATE mailboxes SET
      unread_count = unread_count + (CASE WHEN OLD.seen THEN 1 ELSE 0 END)
                                  - (CASE WHEN NEW.seen THEN 1 ELSE 0 END),
      change_count = change_count + 1
    WHERE id = NEW.mailbox_id;
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql
"""
_PG_CHECKS = """
CREATE OR REPLACE FUNCTION mayfly_pending_counts() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF NEW.auth_pending THEN
      UPDATE mailboxes SET pending_count = pending_count + 1 WHERE id = NEW.mailbox_id;
    END IF;
  ELSIF TG_OP = 'DELETE' THEN
    IF OLD.auth_pending THEN
      UPDATE mailboxes SET pending_count = pending_count - 1 WHERE id = OLD.mailbox_id;
    END IF;
  ELSIF NEW.auth_pending IS DISTINCT FROM OLD.auth_pending THEN
    UPDATE mailboxes SET
      pending_count = pending_count + (CASE WHEN NEW.auth_pending THEN 1 ELSE 0 END)
                                    - (CASE WHEN OLD.auth_pending THEN 1 ELSE 0 END),
      change_count = change_count + 1
    WHERE id = NEW.mailbox_id;
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql
"""


def _sqlite_triggers(prefix: str, triggers: dict[str, tuple[str, str]]) -> None:
    for name, (when, body) in triggers.items():
        op.execute(f"DROP TRIGGER IF EXISTS {prefix}_{name}")
        op.execute(f"CREATE TRIGGER {prefix}_{name} {when} BEGIN {body}; END")


def _pg_messages_trigger(columns: str) -> None:
    op.execute("DROP TRIGGER IF EXISTS messages_counts ON messages")
    op.execute(f"CREATE TRIGGER messages_counts AFTER INSERT OR DELETE OR UPDATE OF {columns} "
               "ON messages FOR EACH ROW EXECUTE FUNCTION mayfly_mailbox_counts()")


def upgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.create_table(
        "message_checks",
        sa.Column("message_id", BigId, autoincrement=False, nullable=False),
        sa.Column("mailbox_id", sa.Integer(), nullable=False),
        sa.Column("client_ip", sa.String(45), nullable=True),
        sa.Column("helo", sa.String(255), nullable=True),
        sa.Column("auth_pending", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("auth_claimed_at", sa.DateTime(), nullable=True),
        sa.Column("auth", sa.JSON(), nullable=True),
        *(sa.Column(f"auth_{name}", sa.String(16), nullable=True) for name in VERDICTS),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"],
                                name=op.f("fk_message_checks_message_id_messages"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_message_checks")),
    )
    op.create_index("ix_message_checks_auth_pending", "message_checks", ["message_id"],
                    sqlite_where=sa.text("auth_pending"),
                    postgresql_where=sa.text("auth_pending"))
    # Before the triggers below exist: the mailboxes' pending counts already hold these.
    op.execute(_MOVE_OUT)
    if sqlite:
        _sqlite_triggers("messages_counts", _SQLITE_MESSAGES_AFTER)
        _sqlite_triggers("message_checks_counts", _SQLITE_CHECKS)
    else:
        op.execute(_PG_MESSAGES_AFTER)
        _pg_messages_trigger("seen")
        op.execute(_PG_CHECKS)
        op.execute("CREATE TRIGGER message_checks_counts AFTER INSERT OR DELETE OR UPDATE OF "
                   "auth_pending ON message_checks FOR EACH ROW "
                   "EXECUTE FUNCTION mayfly_pending_counts()")
    op.drop_index("ix_messages_auth_pending", table_name="messages")
    for name in MOVED:
        op.execute(f"ALTER TABLE messages DROP COLUMN {name}")


def downgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        for name in _SQLITE_CHECKS:
            op.execute(f"DROP TRIGGER IF EXISTS message_checks_counts_{name}")
        for name in _SQLITE_MESSAGES_AFTER:
            op.execute(f"DROP TRIGGER IF EXISTS messages_counts_{name}")
    else:
        op.execute("DROP TRIGGER IF EXISTS message_checks_counts ON message_checks")
        op.execute("DROP FUNCTION IF EXISTS mayfly_pending_counts()")
        op.execute("DROP TRIGGER IF EXISTS messages_counts ON messages")
    op.add_column("messages", sa.Column("client_ip", sa.String(45), nullable=True))
    op.add_column("messages", sa.Column("helo", sa.String(255), nullable=True))
    op.add_column("messages", sa.Column("auth_pending", sa.Boolean(), nullable=False,
                                        server_default=sa.false()))
    op.add_column("messages", sa.Column("auth_claimed_at", sa.DateTime(), nullable=True))
    op.add_column("messages", sa.Column("auth", sa.JSON(), nullable=True))
    for name in VERDICTS:
        op.add_column("messages", sa.Column(f"auth_{name}", sa.String(16), nullable=True))
    # No counter trigger is in place: the mailboxes' pending counts already hold these.
    op.execute(_MOVE_BACK)
    op.create_index("ix_messages_auth_pending", "messages", ["id"],
                    sqlite_where=sa.text("auth_pending"),
                    postgresql_where=sa.text("auth_pending"))
    if sqlite:
        _sqlite_triggers("messages_counts", _SQLITE_MESSAGES_BEFORE)
    else:
        op.execute(_PG_MESSAGES_BEFORE)
        _pg_messages_trigger("seen, auth_pending")
    op.drop_index("ix_message_checks_auth_pending", table_name="message_checks")
    op.drop_table("message_checks")
