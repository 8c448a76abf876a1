"""attachment numbers in their own table

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 00:30:00

tempmail-php's integer attachment ids move out of `attachments` into `attachment_numbers`,
keeping every existing number.
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade():
    op.create_table(
        "attachment_numbers",
        sa.Column("number", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("attachment_id", BigId, nullable=False),
        sa.ForeignKeyConstraint(["attachment_id"], ["attachments.id"],
                                name=op.f("fk_attachment_numbers_attachment_id_attachments"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("number", name=op.f("pk_attachment_numbers")),
        sa.UniqueConstraint("attachment_id", name=op.f("uq_attachment_numbers_attachment_id")),
    )
    op.execute("INSERT INTO attachment_numbers (number, attachment_id) "
               "SELECT number, id FROM attachments")
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_attachments_number"), type_="unique")
        batch_op.drop_column("number")


def downgrade():
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("number", sa.BigInteger(), nullable=True))
    op.execute("UPDATE attachments SET number = (SELECT number FROM attachment_numbers "
               "WHERE attachment_numbers.attachment_id = attachments.id)")
    op.drop_table("attachment_numbers")
