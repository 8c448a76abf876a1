"""Row ids are never handed out twice, on SQLite (AUTOINCREMENT) and PostgreSQL (sequences),
and migration 0005 keeps existing data while making it so."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from app.extensions import db
from app.models import ApiKey, Domain, Mailbox, Message, User, Webhook
from app.services.accounts import api_keys, users
from app.services.ingest import delivery
from app.services.outgoing import outbound, webhooks
from tests.factories import build_eml
from tests.migration_store import MIGRATIONS, store_at


def _recreate_after_deleting_the_newest(make, model) -> tuple[int, int]:
    make(1)
    newest = make(2)
    db.session.execute(sa.delete(model).where(model.id == newest))
    db.session.commit()
    return newest, make(3)


@pytest.mark.usefixtures("app_ctx")
@pytest.mark.parametrize("kind", ["user", "mailbox", "message", "api_key", "webhook", "domain"])
def test_the_newest_id_is_not_reused_after_a_delete(kind, monkeypatch):
    owner = users.create_user("owner@example.org", "long enough password")
    monkeypatch.setattr(outbound, "lookup", lambda host, port: ["93.184.216.34"])

    def make(n: int) -> int:
        if kind == "user":
            return users.create_user(f"u{n}@example.org", "long enough password").id
        if kind == "api_key":
            return api_keys.create_key(owner, f"k{n}").key.id
        if kind == "webhook":
            return webhooks.create_webhook(owner.id, f"https://hooks.example.org/{n}").id
        if kind == "domain":
            domain = Domain(name=f"d{n}.test")
            db.session.add(domain)
            db.session.commit()
            return domain.id
        delivery.deliver("a@example.org", [f"box{n}@mayfly.test"], build_eml(to="x@mayfly.test"))
        if kind == "mailbox":
            return db.session.execute(sa.select(sa.func.max(Mailbox.id))).scalar()
        return db.session.execute(sa.select(sa.func.max(Message.id))).scalar()

    model = {"user": User, "mailbox": Mailbox, "message": Message, "api_key": ApiKey,
             "webhook": Webhook, "domain": Domain}[kind]
    deleted, created = _recreate_after_deleting_the_newest(make, model)
    assert created > deleted


def test_migration_0005_moves_accounts_and_keeps_rows(tmp_path: Path):
    # On SQLite whatever the suite runs on: its table rebuild is what this checks
    # (PostgreSQL keeps its sequences).
    with store_at("0004", tmp_path, sqlite_only=True) as app, app.app_context():
        connection = db.session.connection()
        connection.execute(sa.text("INSERT INTO domains (id, name, active, kind, created_at) "
                                   "VALUES (1, 'mayfly.test', 1, 'free', '2026-01-01')"))
        connection.execute(sa.text(
            "INSERT INTO mailboxes (id, address, local_part, domain_id, protected, created_at, "
            "used_bytes, password_hash, disabled) VALUES (7, 'acct@mayfly.test', 'acct', 1, 1, "
            "'2026-01-01', 0, 'scrypt:hash', 1)"))
        connection.execute(sa.text(
            "INSERT INTO users (id, email, password_hash, is_admin, created_at, session_version)"
            " VALUES (3, 'u@example.org', 'scrypt:x', 0, '2026-01-01', 1)"))
        db.session.commit()
        upgrade(directory=MIGRATIONS)
        connection = db.session.connection()
        account = connection.execute(sa.text(
            "SELECT mailbox_id, password_hash, disabled FROM mailbox_accounts")).one()
        assert tuple(account) == (7, "scrypt:hash", 1)
        secret = connection.execute(sa.text("SELECT session_secret FROM users")).scalar()
        assert len(secret) >= 40
        schema = connection.execute(sa.text(
            "SELECT sql FROM sqlite_master WHERE name = 'mailboxes'")).scalar()
        assert "AUTOINCREMENT" in schema
        # Deleting the newest row and inserting again does not give its id back.
        connection.execute(sa.text("DELETE FROM users WHERE id = 3"))
        db.session.commit()
        users.create_user("next@example.org", "long enough password")
        assert db.session.execute(sa.select(User.id)).scalar() == 4
        downgrade(directory=MIGRATIONS, revision="0004")
        restored = db.session.connection().execute(sa.text(
            "SELECT password_hash, disabled FROM mailboxes WHERE id = 7")).one()
        assert tuple(restored) == ("scrypt:hash", 1)
