"""full-text search index over subject, sender, recipients and body text

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 02:00:00

SQLite: a contentless FTS5 table (rowid = messages.id) kept by triggers; the delete trigger
hands FTS5 the very text the insert trigger indexed. PostgreSQL: a stored tsvector column
(subject weight A, sender B, recipients C, body D) with a GIN index. Both split text at
punctuation, so "acme" finds no-reply@acme.example, and index at most 100,000 characters of
body. A later migration that rebuilds the messages table on SQLite must run create_sqlite()
again (batch mode drops triggers).
"""
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

BODY_CHARS = 100_000
COLUMNS = "subject, sender, recipients, body, mailbox"


def _sqlite_values(row: str) -> str:
    recipients = (f"coalesce({row}.to_addrs, '') || ' ' || coalesce({row}.cc_addrs, '') || ' ' "
                  f"|| coalesce({row}.envelope_to, '')")
    # The JSON's own keys are not words of the message.
    recipients = f"replace(replace({recipients}, '\"name\"', ' '), '\"address\"', ' ')"
    return (f"{row}.id, coalesce({row}.subject, ''), coalesce({row}.from_name, '') || ' ' || "
            f"coalesce({row}.from_addr, '') || ' ' || coalesce({row}.envelope_from, ''), "
            f"{recipients}, substr(coalesce({row}.text_body, ''), 1, {BODY_CHARS}), "
            f"'m' || {row}.mailbox_id")


def create_sqlite():
    # `mailbox` holds one word, "m<mailbox id>", so a search of a few mailboxes is narrowed
    # inside the index; prefix='3' keeps three-letter prefixes ("acm*") fast.
    op.execute("CREATE VIRTUAL TABLE IF NOT EXISTS message_search USING fts5(subject, sender, "
               "recipients, body, mailbox, content='', prefix='3', "
               "tokenize='unicode61 remove_diacritics 0')")
    op.execute("DROP TRIGGER IF EXISTS messages_search_insert")
    op.execute("DROP TRIGGER IF EXISTS messages_search_delete")
    op.execute("CREATE TRIGGER messages_search_insert AFTER INSERT ON messages BEGIN "
               f"INSERT INTO message_search(rowid, {COLUMNS}) "
               f"VALUES ({_sqlite_values('new')}); END")
    op.execute("CREATE TRIGGER messages_search_delete AFTER DELETE ON messages BEGIN "
               f"INSERT INTO message_search(message_search, rowid, {COLUMNS}) "
               f"VALUES ('delete', {_sqlite_values('old')}); END")


def _pg_text(expression: str, weight: str) -> str:
    # ASCII punctuation becomes space before the parser sees it: no email, host or URL tokens.
    return (f"setweight(to_tsvector('simple'::regconfig, regexp_replace({expression}, "
            f"'[[:punct:]]', ' ', 'g')), '{weight}')")


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        create_sqlite()
        op.execute(f"INSERT INTO message_search(rowid, {COLUMNS}) "
                   f"SELECT {_sqlite_values('messages')} FROM messages")
        return
    recipients = ("regexp_replace(coalesce(to_addrs::text, '') || ' ' || "
                  "coalesce(cc_addrs::text, '') || ' ' || coalesce(envelope_to::text, ''), "
                  "'\"(name|address)\"', ' ', 'g')")
    vector = " || ".join((
        _pg_text("coalesce(subject, '')", "A"),
        _pg_text("coalesce(from_name, '') || ' ' || coalesce(from_addr, '') || ' ' || "
                 "coalesce(envelope_from, '')", "B"),
        _pg_text(recipients, "C"),
        _pg_text(f"left(coalesce(text_body, ''), {BODY_CHARS})", "D")))
    op.execute(f"ALTER TABLE messages ADD COLUMN search_vector tsvector "
               f"GENERATED ALWAYS AS ({vector}) STORED")
    op.execute("CREATE INDEX ix_messages_search_vector ON messages USING gin (search_vector)")


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS messages_search_insert")
        op.execute("DROP TRIGGER IF EXISTS messages_search_delete")
        op.execute("DROP TABLE IF EXISTS message_search")
        return
    op.execute("DROP INDEX IF EXISTS ix_messages_search_vector")
    op.execute("ALTER TABLE messages DROP COLUMN IF EXISTS search_vector")
