"""plus-address tags on messages

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 01:15:00

Mail to name+tag@domain is stored in name@domain's mailbox with its tag, so listings and
waits can keep one test's messages apart.
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tag", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_messages_mailbox_id_tag_id", ["mailbox_id", "tag", "id"],
                              unique=False)


def downgrade():
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index("ix_messages_mailbox_id_tag_id")
        batch_op.drop_column("tag")
