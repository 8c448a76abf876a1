"""shown-once secrets remember, server-side, that they were taken

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-10 09:00:00

A new API key or webhook secret rides to the page that shows it encrypted in the session
cookie, and taking it removed it from the session; but an old copy of the cookie still
carried it, and replayed within 15 minutes showed the secret again. Each stash now has a
random id, and taking it records the id (hashed) here, shared by every web process; a mark
lives as long as its stash could be read, and expired marks are purged as new ones are
written.
"""
import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "shown_once_taken",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shown_once_taken")),
    )
    with op.batch_alter_table("shown_once_taken", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shown_once_taken_expires_at"), ["expires_at"],
                              unique=False)


def downgrade():
    op.drop_table("shown_once_taken")
