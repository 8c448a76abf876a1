"""Batch delivery: one transaction for many messages, each succeeding or failing whole."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.models import Attachment, Mailbox, Message
from app.services.errors import QuotaExceeded, UnknownDomain
from app.services.ingest import delivery
from app.services.ingest.delivery import Incoming
from tests.factories import build_eml


def count(model) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()


def test_a_batch_stores_every_copy_in_one_go(app_ctx):
    items = [Incoming("a@example.org", [f"b{i}@mayfly.test", "shared@mayfly.test"],
                      build_eml(subject=f"s{i}", attachments=[("a.txt", "text/plain", b"x")]))
             for i in range(5)]
    outcomes = delivery.deliver_many(items)
    assert all(o.error is None and len(o.ids) == 2 for o in outcomes)
    assert count(Message) == 10 and count(Attachment) == 10 and count(Mailbox) == 6
    shared = db.session.execute(
        sa.select(Mailbox).filter_by(address="shared@mayfly.test")).scalar_one()
    assert shared.used_bytes == sum(len(i.raw) for i in items)


def test_a_refused_item_does_not_hold_back_the_others(make_app, app):
    tight = make_app(mailbox_quota=3000)
    big = build_eml(text="z" * 4000)
    with tight.app_context():
        outcomes = delivery.deliver_many([
            Incoming("a@example.org", ["ok@mayfly.test"], build_eml()),
            Incoming("a@example.org", ["ok2@mayfly.test", "full@mayfly.test"], big),
            Incoming("a@example.org", ["x@elsewhere.example"], build_eml()),
            Incoming("a@example.org", ["ok@mayfly.test"], build_eml()),
        ])
        assert outcomes[0].error is None and outcomes[3].error is None
        assert isinstance(outcomes[1].error, QuotaExceeded)
        assert isinstance(outcomes[2].error, UnknownDomain)
        # The refused message is stored for none of its recipients, not even the one with room.
        addresses = db.session.execute(sa.select(Mailbox.address).join(
            Message, Message.mailbox_id == Mailbox.id)).scalars().all()
        assert sorted(addresses) == ["ok@mayfly.test", "ok@mayfly.test"]


def test_quota_counts_what_the_batch_itself_adds(make_app, app):
    tight = make_app(mailbox_quota=1000)
    message = build_eml(text="q" * 300)
    assert 500 < len(message) <= 1000  # one fits, two do not
    with tight.app_context():
        outcomes = delivery.deliver_many(
            [Incoming("a@example.org", ["fills@mayfly.test"], message) for _ in range(3)])
        stored = [o.error is None for o in outcomes]
    assert stored == [True, False, False]
