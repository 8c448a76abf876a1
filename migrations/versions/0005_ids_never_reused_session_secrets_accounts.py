"""ids never reused, per-user session secrets, mailbox accounts in their own table

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 23:30:00

On SQLite every table with a generated id is rebuilt with AUTOINCREMENT, so a deleted row's
id is never handed out again (PostgreSQL's sequences never reuse ids already). Users get a
random session secret in place of the session version. The tempemail login (password and
disabled flag) moves from `mailboxes` to `mailbox_accounts`, with a random token key.
"""
import secrets

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# Parents before children, so each rebuilt child refers to its rebuilt parent.
ID_TABLES = ("domains", "users", "mailboxes", "api_keys", "messages", "attachments",
             "webhooks", "webhook_deliveries")


def upgrade():
    connection = op.get_bind()
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_secret", sa.String(length=64), nullable=True))
    for (user_id,) in connection.execute(sa.text("SELECT id FROM users")).all():
        connection.execute(sa.text("UPDATE users SET session_secret = :s WHERE id = :id"),
                           {"s": secrets.token_urlsafe(32), "id": user_id})
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column("session_secret", existing_type=sa.String(length=64),
                              nullable=False)
        batch_op.drop_column("session_version")

    op.create_table(
        "mailbox_accounts",
        sa.Column("mailbox_id", sa.Integer(), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("token_key", sa.String(length=64), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["mailbox_id"], ["mailboxes.id"],
                                name=op.f("fk_mailbox_accounts_mailbox_id_mailboxes"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("mailbox_id", name=op.f("pk_mailbox_accounts")),
    )
    accounts = connection.execute(sa.text(
        "SELECT id, password_hash, disabled, created_at FROM mailboxes "
        "WHERE password_hash IS NOT NULL")).all()
    for mailbox_id, password_hash, disabled, created_at in accounts:
        connection.execute(sa.text(
            "INSERT INTO mailbox_accounts (mailbox_id, password_hash, token_key, disabled, "
            "created_at) VALUES (:m, :p, :k, :d, :c)"),
            {"m": mailbox_id, "p": password_hash, "k": secrets.token_urlsafe(24),
             "d": bool(disabled), "c": created_at})
    with op.batch_alter_table("mailboxes", schema=None) as batch_op:
        batch_op.drop_column("disabled")
        batch_op.drop_column("password_hash")

    if connection.dialect.name == "sqlite":
        for table in ID_TABLES:
            with op.batch_alter_table(table, recreate="always",
                                      table_kwargs={"sqlite_autoincrement": True}):
                pass


def downgrade():
    with op.batch_alter_table("mailboxes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("password_hash", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("disabled", sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
    connection = op.get_bind()
    for mailbox_id, password_hash, disabled in connection.execute(sa.text(
            "SELECT mailbox_id, password_hash, disabled FROM mailbox_accounts")).all():
        connection.execute(sa.text(
            "UPDATE mailboxes SET password_hash = :p, disabled = :d WHERE id = :m"),
            {"p": password_hash, "d": bool(disabled), "m": mailbox_id})
    op.drop_table("mailbox_accounts")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_version", sa.Integer(), server_default="1",
                                      nullable=False))
        batch_op.drop_column("session_secret")
