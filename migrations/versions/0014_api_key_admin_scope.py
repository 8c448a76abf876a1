"""admin scope is a flag of an API key, not implied by its user's role

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-09 10:00:00

An admin's key reached every tenant's mail because its user was an admin, so the key a test
suite uses for MailHog's and Mailpit's delete-all (mhDeleteAll, deleteMessages()) deleted
everyone's mail. A key now has admin reach only when it was made with `admin_scope` (by an
admin) and its user is still an admin. Existing keys get false: they act as their user
alone. A plain ADD COLUMN with a default (no table rebuild) on SQLite and PostgreSQL.
"""
import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("api_keys", sa.Column("admin_scope", sa.Boolean(), nullable=False,
                                        server_default=sa.false()))


def downgrade():
    # A native DROP COLUMN on both stores (SQLite 3.35+): no table rebuild, so the table
    # keeps AUTOINCREMENT (ids never reused).
    op.drop_column("api_keys", "admin_scope")
