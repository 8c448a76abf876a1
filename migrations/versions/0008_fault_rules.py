"""fault rules on mailboxes

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 01:20:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "fault_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mailbox_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("code", sa.Integer(), nullable=True),
        sa.Column("seconds", sa.Integer(), nullable=True),
        sa.Column("remaining", sa.Integer(), nullable=False),
        sa.Column("fired", sa.Integer(), nullable=False),
        sa.Column("last_fired_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["mailbox_id"], ["mailboxes.id"],
                                name=op.f("fk_fault_rules_mailbox_id_mailboxes"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fault_rules")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("fault_rules", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fault_rules_mailbox_id"), ["mailbox_id"],
                              unique=False)


def downgrade():
    op.drop_table("fault_rules")
