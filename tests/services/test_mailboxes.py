"""Mailbox services: purge of expired mailboxes, random addresses, expiry."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from app.extensions import db
from app.models import Attachment, Mailbox, Message
from app.models.base import utcnow
from app.services.access import ANONYMOUS
from app.services.ingest import delivery
from app.services.mailbox_life import mailbox_reads, mailboxes, purge
from tests.factories import build_eml


def count(model) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()


def expire(address: str, ago: timedelta = timedelta(seconds=1)) -> None:
    db.session.execute(sa.update(Mailbox).where(Mailbox.address == address)
                       .values(expires_at=utcnow() - ago))
    db.session.commit()


def test_purge_removes_only_expired_mailboxes_and_their_mail(app_ctx):
    raw = build_eml(attachments=[("a.txt", "text/plain", b"x")])
    for name in ("gone1", "gone2", "live"):
        delivery.deliver("a@example.org", [f"{name}@mayfly.test"], raw)
    expire("gone1@mayfly.test")
    expire("gone2@mayfly.test")
    assert purge.purge_expired(batch_size=1) == 2
    assert [m.address for m in db.session.execute(sa.select(Mailbox)).scalars()] == [
        "live@mayfly.test"]
    assert count(Message) == 1
    assert count(Attachment) == 1


def test_purge_in_bounded_batches(app_ctx):
    for i in range(5):
        mailboxes.create_mailbox(f"b{i}")
        expire(f"b{i}@mayfly.test")
    assert purge.purge_expired(batch_size=2, max_batches=1) == 2
    assert purge.purge_expired(batch_size=2) == 3


def test_never_expiring_mailbox_is_not_purged(app_ctx):
    delivery.deliver("a@example.org", ["postmaster@mayfly.test"], build_eml())
    assert purge.purge_expired() == 0


def test_expired_address_can_be_claimed_again_after_its_hold(app_ctx):
    mailboxes.create_mailbox("again")
    expire("again@mayfly.test", ago=timedelta(minutes=11))  # EXPIRED_HOLD is 10 minutes
    created = mailboxes.create_mailbox("again")
    assert created.mailbox.expires_at > utcnow()


def test_expired_mailbox_reads_as_missing(app_ctx):
    import pytest

    from app.services.errors import MailboxNotFound

    mailboxes.create_mailbox("stale")
    expire("stale@mayfly.test")
    with pytest.raises(MailboxNotFound):
        mailbox_reads.get_mailbox("stale@mayfly.test", ANONYMOUS)


def test_concurrent_first_messages_create_one_mailbox(app):
    import threading

    def deliver() -> None:
        with app.app_context():
            delivery.deliver("a@example.org", ["race@mayfly.test"], build_eml())

    threads = [threading.Thread(target=deliver) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with app.app_context():
        assert count(Mailbox) == 1
        assert count(Message) == 6
        mailbox = db.session.execute(sa.select(Mailbox)).scalar_one()
        total = db.session.execute(sa.select(sa.func.sum(Message.size))).scalar_one()
        assert mailbox.used_bytes == total


def test_an_expired_address_is_held_before_it_is_purged(app_ctx):
    delivery.deliver("a@example.org", ["held@mayfly.test"], build_eml())
    expire("held@mayfly.test", ago=timedelta(minutes=5))
    assert purge.purge_expired(grace=timedelta(minutes=10)) == 0
    # Held: nobody can receive at it (nor read it) until the hold ends.
    assert delivery.check_recipient("held@mayfly.test").verdict is delivery.Verdict.EXPIRED
    assert purge.purge_expired(grace=timedelta(minutes=1)) == 1
    assert delivery.check_recipient("held@mayfly.test").verdict is delivery.Verdict.ACCEPT
