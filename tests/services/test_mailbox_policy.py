"""The one module that decides a mailbox's life: live or not, when it expires, what a new
row holds, whether it has room. A change to a rule fails a test here."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Mailbox
from app.services.mailbox_life import mailbox_policy, mailboxes
from app.services.mailbox_life.mailbox_policy import Lifetime

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


@dataclass
class Box:
    expires_at: datetime | None


@pytest.mark.parametrize(("expires_at", "live"), [
    (None, True),
    (NOW + timedelta(seconds=1), True),
    (NOW, False),  # the moment it expires, it is gone
    (NOW - timedelta(days=1), False),
])
def test_is_live(expires_at, live):
    assert mailbox_policy.is_live(Box(expires_at), now=NOW) is live


@pytest.mark.parametrize(("lifetime", "changes", "expected"), [
    (Lifetime.PUBLIC, {}, NOW + timedelta(hours=1)),
    (Lifetime.PUBLIC, {"public_mailbox_ttl": timedelta(minutes=10)}, NOW + timedelta(minutes=10)),
    (Lifetime.KEPT, {}, NOW + timedelta(days=7)),
    (Lifetime.KEPT, {"owned_mailbox_ttl": timedelta(0)}, None),  # 0: kept for ever
    (Lifetime.FOREVER, {}, None),
])
def test_expiry(make_app, lifetime, changes, expected):
    with make_app(**changes).app_context():
        assert mailbox_policy.expiry(lifetime, now=NOW) == expected


@pytest.mark.parametrize(("owner_id", "is_account", "local", "expected"), [
    (None, False, "someone", Lifetime.PUBLIC),
    (7, False, "someone", Lifetime.KEPT),
    (None, True, "someone", Lifetime.KEPT),
    (None, False, "postmaster", Lifetime.FOREVER),
    (7, False, "abuse", Lifetime.FOREVER),
])
def test_lifetime_of(owner_id, is_account, local, expected):
    assert mailbox_policy.lifetime_of(owner_id=owner_id, is_account=is_account,
                                      local_part=local) is expected


@pytest.mark.parametrize(("options", "protected", "expires"), [
    ({"lifetime": Lifetime.PUBLIC}, False, NOW + timedelta(hours=1)),
    ({"lifetime": Lifetime.PUBLIC, "protected": True}, True, NOW + timedelta(hours=1)),
    ({"lifetime": Lifetime.PUBLIC, "token_hash": "h" * 64}, True, NOW + timedelta(hours=1)),
    ({"lifetime": Lifetime.KEPT, "owner_id": 3}, True, NOW + timedelta(days=7)),
    ({"lifetime": Lifetime.FOREVER}, True, None),
])
def test_new_row(app_ctx, options, protected, expires):
    row = mailbox_policy.new_row("name", "mayfly.test", 1, now=NOW, **options)
    assert row["address"] == "name@mayfly.test" and row["local_part"] == "name"
    assert (row["protected"], row["expires_at"], row["used_bytes"]) == (protected, expires, 0)
    assert row["created_at"] == NOW


@pytest.mark.parametrize(("quota", "used", "size", "room", "full"), [
    (1000, 0, 1000, True, False),
    (1000, 1, 1000, False, False),
    (1000, 999, 1, True, False),
    (1000, 1000, 1, False, True),
    (0, 10**12, 10**9, True, False),  # 0: no limit
])
def test_room(make_app, quota, used, size, room, full):
    with make_app(mailbox_quota=quota).app_context():
        assert mailbox_policy.has_room(used, size) is room
        assert mailbox_policy.is_full(used) is full


def test_time_left():
    assert mailbox_policy.time_left(Box(None), now=NOW) is None
    assert mailbox_policy.time_left(Box(NOW + timedelta(minutes=5)), now=NOW) == timedelta(
        minutes=5)
    assert mailbox_policy.time_left(Box(NOW - timedelta(minutes=5)), now=NOW) == timedelta(0)
    assert replace(Box(None), expires_at=NOW).expires_at == NOW


@pytest.mark.parametrize("expires_at", [None, NOW + timedelta(seconds=1), NOW,
                                        NOW - timedelta(minutes=5), NOW - timedelta(days=1)])
def test_each_clause_agrees_with_its_predicate(app_ctx, expires_at):
    """live_clause is is_live in SQL, expired_clause(ago) its opposite `ago` later: a row
    stored with this expiry is selected exactly when the predicate says so."""
    mailbox = mailboxes.create_mailbox("clause").mailbox
    mailbox.expires_at = expires_at
    db.session.commit()

    def selected(clause: sa.ColumnElement[bool]) -> bool:
        return db.session.execute(sa.select(Mailbox.id).where(
            Mailbox.id == mailbox.id, clause)).scalar_one_or_none() is not None

    now = datetime.now(UTC)
    assert selected(mailbox_policy.live_clause(NOW)) is mailbox_policy.is_live(mailbox, NOW)
    assert selected(mailbox_policy.live_clause()) is mailbox_policy.is_live(mailbox, now)
    for ago in (timedelta(0), timedelta(minutes=1)):
        past = expires_at is not None and expires_at <= now - ago
        assert selected(mailbox_policy.expired_clause(ago)) is past
    assert mailbox_policy.never_expires(mailbox) is (expires_at is None)
