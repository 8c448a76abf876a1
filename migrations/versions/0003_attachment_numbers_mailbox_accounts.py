"""attachment numbers, mailbox accounts

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 22:16:27.798309

"""
import secrets

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("number", sa.BigInteger(), nullable=True))
    # Existing attachments get their random number before the column becomes required.
    connection = op.get_bind()
    ids = connection.execute(sa.text("SELECT id FROM attachments")).scalars().all()
    for attachment_id in ids:
        connection.execute(sa.text("UPDATE attachments SET number = :n WHERE id = :id"),
                           {"n": secrets.randbelow(2**53 - 2**32) + 2**32, "id": attachment_id})
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.alter_column("number", existing_type=sa.BigInteger(), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_attachments_number"), ["number"])

    with op.batch_alter_table("mailboxes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("password_hash", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("disabled", sa.Boolean(), server_default=sa.false(),
                                      nullable=False))


def downgrade():
    with op.batch_alter_table("mailboxes", schema=None) as batch_op:
        batch_op.drop_column("disabled")
        batch_op.drop_column("password_hash")
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_attachments_number"), type_="unique")
        batch_op.drop_column("number")
