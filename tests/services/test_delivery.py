"""Batch delivery: one transaction for many messages, each succeeding or failing whole."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Attachment, AttachmentNumber, Mailbox, Message, MessageChecks, User
from app.services.accounts import plans
from app.services.errors import QuotaExceeded, UnknownDomain
from app.services.ingest import delivery
from app.services.ingest.delivery import Incoming, Verdict
from app.services.mailbox_life import mailboxes
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


def owner_with_room(make_user, storage: int) -> int:
    """A user whose plan stores `storage` bytes, owning the (empty) mailbox kept@mayfly.test."""
    user_id = make_user("owner@example.org")
    db.session.get(User, user_id).plan_storage = storage
    db.session.commit()
    mailboxes.create_mailbox("kept", owner_id=user_id)
    return user_id


def set_storage(user_id: int, storage: int) -> None:
    db.session.get(User, user_id).plan_storage = storage
    db.session.commit()


def test_rcpt_and_the_batch_agree_at_the_owners_storage_limit(app, app_ctx, make_user):
    """Exactly full: RCPT and the batch both refuse. A message that exactly fills the room is
    stored, one byte more is not, and RCPT (which cannot know the size) accepts while any byte
    is left."""
    raw = build_eml(to="kept@mayfly.test", text="fill")
    size = len(raw)
    user_id = owner_with_room(make_user, size)
    assert delivery.check_recipient("kept@mayfly.test").verdict is Verdict.ACCEPT
    assert len(delivery.deliver("a@example.org", ["kept@mayfly.test"], raw)) == 1
    # Exactly full now.
    assert delivery.check_recipient("kept@mayfly.test").verdict is Verdict.FULL
    with pytest.raises(QuotaExceeded):
        delivery.deliver("a@example.org", ["kept@mayfly.test"], raw)
    # Room for one byte less than the message.
    set_storage(user_id, 2 * size - 1)
    assert delivery.check_recipient("kept@mayfly.test").verdict is Verdict.ACCEPT
    with pytest.raises(QuotaExceeded):
        delivery.deliver("a@example.org", ["kept@mayfly.test"], raw)
    # Room for exactly the message.
    set_storage(user_id, 2 * size)
    assert len(delivery.deliver("a@example.org", ["kept@mayfly.test"], raw)) == 1
    assert delivery.check_recipient("kept@mayfly.test").verdict is Verdict.FULL


def test_rcpt_and_the_batch_ask_one_storage_rule(app, app_ctx, make_user, monkeypatch):
    """The owner's room is decided by plans.has_room alone: whatever it answers, RCPT and the
    batch answer alike."""
    owner_with_room(make_user, 10**9)
    asked: list[int] = []

    def no_room(user, size, *, used=None) -> bool:
        asked.append(size)
        return False

    monkeypatch.setattr(plans, "has_room", no_room)
    assert delivery.check_recipient("kept@mayfly.test").verdict is Verdict.FULL
    raw = build_eml(to="kept@mayfly.test")
    with pytest.raises(QuotaExceeded):
        delivery.deliver("a@example.org", ["kept@mayfly.test"], raw)
    assert asked == [1, len(raw)]


def test_a_copy_keeps_its_sender_checks_beside_it(make_app, app):
    """Client IP, HELO and the pending flag go to the copy's checks row; mail with nothing to
    check has none. Storing writes no attachment numbers (a door makes them on demand)."""
    quiet = make_app(auth_results=False)
    with quiet.app_context():
        with_facts, without = delivery.deliver_many([
            Incoming("a@example.org", ["one@mayfly.test", "two@mayfly.test"],
                     build_eml(attachments=[("a.txt", "text/plain", b"x")]),
                     client_ip="192.0.2.7", helo="mx.example.org"),
            Incoming("a@example.org", ["three@mayfly.test"], build_eml()),
        ])
        rows = db.session.execute(
            sa.select(Message.public_id, MessageChecks.client_ip, MessageChecks.helo,
                      MessageChecks.auth_pending, MessageChecks.mailbox_id, Message.mailbox_id)
            .join(MessageChecks, MessageChecks.message_id == Message.id)).all()
        assert sorted(r.public_id for r in rows) == sorted(with_facts.ids)
        assert {(r.client_ip, r.helo, r.auth_pending) for r in rows} == {
            ("192.0.2.7", "mx.example.org", False)}
        assert all(r[4] == r[5] for r in rows)  # each names its own message's mailbox
        assert without.ids and count(AttachmentNumber) == 0
    with app.app_context():  # checks on: every copy waits for its verdicts
        (public_id,) = delivery.deliver("a@example.org", ["four@mayfly.test"], build_eml())
        message = db.session.execute(
            sa.select(Message).where(Message.public_id == public_id)).scalar_one()
        assert message.checks is not None and message.auth_pending
        assert message.checks.client_ip is None
