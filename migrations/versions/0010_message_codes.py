"""verification codes found at delivery, stored with the message

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 03:00:00

Reads show the stored codes instead of running the extractor again. Messages stored before
this revision have NULL and are read as before. A plain ADD COLUMN (no table rebuild), so the
search triggers of 0009 stay in place on SQLite.
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("messages", sa.Column("codes", sa.JSON(), nullable=True))


def downgrade():
    op.drop_column("messages", "codes")
