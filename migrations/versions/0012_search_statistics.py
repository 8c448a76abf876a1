"""finer planner statistics for the search index on PostgreSQL

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 02:45:00

PostgreSQL estimates how many messages hold a word from the most common words it samples
(100 x the statistics target of the column). With the default target, a word it did not
sample is guessed at a few thousand matches in a million, so for "newest first, 50 of them"
it walks the whole id index backwards looking for a rare word (3.4 s at a million messages
in bench/search.py) instead of asking the GIN index (28 ms). A target of 1000 keeps ten
times as many words and makes the rare ones look rare. SQLite's FTS5 needs nothing.
"""
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE messages ALTER COLUMN search_vector SET STATISTICS 1000")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE messages ALTER COLUMN search_vector SET STATISTICS -1")
