"""SPF, DKIM, DMARC and ARC verdicts of each message

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 03:30:00

Delivery keeps the connecting client's IP and HELO name and marks the message pending; the
SMTP sidecar evaluates pending messages after the commit (app.services.checks.auth_results) and
stores the verdicts, so the SMTP reply never waits on DNS. Plain ADD COLUMNs (no table
rebuild), so the search triggers of 0009 stay in place on SQLite.
"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

VERDICTS = ("spf", "dkim", "dmarc", "arc")


def upgrade():
    op.add_column("messages", sa.Column("client_ip", sa.String(45), nullable=True))
    op.add_column("messages", sa.Column("helo", sa.String(255), nullable=True))
    op.add_column("messages", sa.Column("auth_pending", sa.Boolean(), nullable=False,
                                        server_default=sa.false()))
    op.add_column("messages", sa.Column("auth_claimed_at", sa.DateTime(), nullable=True))
    op.add_column("messages", sa.Column("auth", sa.JSON(), nullable=True))
    for name in VERDICTS:
        op.add_column("messages", sa.Column(f"auth_{name}", sa.String(16), nullable=True))
    # The evaluator's queue: only pending messages are in this index.
    op.create_index("ix_messages_auth_pending", "messages", ["id"],
                    sqlite_where=sa.text("auth_pending"),
                    postgresql_where=sa.text("auth_pending"))


def downgrade():
    op.drop_index("ix_messages_auth_pending", table_name="messages")
    for name in (*(f"auth_{v}" for v in VERDICTS), "auth", "auth_claimed_at", "auth_pending",
                 "helo", "client_ip"):
        op.drop_column("messages", name)
