"""Who reads what, through the per-screen reads: every kind of mailbox against every kind of
caller, through listings (the mailbox and its list) and messages (one message)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Mailbox
from app.models.base import utcnow
from app.services.access import Principal
from app.services.accounts import users
from app.services.errors import InvalidInput, MailboxNotFound, MessageNotFound
from app.services.ingest import delivery
from app.services.mailbox_life import mailboxes
from app.services.secrets import grant_proof
from app.services.stored_mail import listings, messages
from tests.factories import build_eml

KINDS = ("public", "token", "owned", "reserved", "expired")
CALLERS = ("anonymous", "public door", "token holder", "browser grant", "stale grant",
           "owner", "another user", "admin")
# Who may read which kind: everything else answers as if it did not exist.
READS = {
    "public": {"anonymous", "token holder", "browser grant", "stale grant", "owner",
               "another user", "admin", "public door"},
    "token": {"token holder", "browser grant", "admin"},
    "owned": {"owner", "admin", "token holder"},  # a credential for it (JWT, token) opens it
    "reserved": {"admin"},
    "expired": set(),
}


@pytest.fixture
def world(app_ctx):
    owner = users.create_user("owner@example.org", "long enough password")
    other = users.create_user("other@example.org", "long enough password")
    made = {
        "public": "pub@mayfly.test",
        "token": mailboxes.create_mailbox("tok", protected=True).mailbox.address,
        "owned": mailboxes.create_mailbox("own", owner_id=owner.id).mailbox.address,
        "reserved": "postmaster@mayfly.test",
        "expired": "gone@mayfly.test",
    }
    for address in made.values():
        delivery.deliver("a@example.org", [address], build_eml(to=address, subject=address))
    db.session.execute(sa.update(Mailbox).where(Mailbox.address == made["expired"])
                       .values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    rows = {kind: db.session.execute(sa.select(Mailbox).where(Mailbox.address == address))
            .scalar_one() for kind, address in made.items()}
    return made, rows, owner.id, other.id


def _caller(name: str, kind: str, rows, owner_id: int, other_id: int) -> Principal:
    mailbox = rows[kind]
    proof = grant_proof(mailbox.token_hash) if mailbox.token_hash else "x" * 32
    return {
        "anonymous": Principal(),
        "public door": Principal(public_door=True),
        "token holder": Principal(mailbox_ids=frozenset({mailbox.id})),
        "browser grant": Principal(grants=frozenset({(mailbox.id, proof)})),
        "stale grant": Principal(grants=frozenset({(mailbox.id, "0" * 32)})),
        "owner": Principal(user_id=owner_id),
        "another user": Principal(user_id=other_id),
        "admin": Principal(user_id=other_id, is_admin=True),
    }[name]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("caller", CALLERS)
def test_who_reads_what(world, kind, caller):
    made, rows, owner_id, other_id = world
    principal = _caller(caller, kind, rows, owner_id, other_id)
    allowed = caller in READS[kind]
    address = made[kind]
    state = listings.find_state(address, principal)
    assert (state is not None) is allowed
    if allowed:
        (summary,) = listings.list_messages(address, principal).items
        opened = messages.open_message(summary.public_id, principal)
        assert opened.address == address and opened.message.subject == address
    else:
        with pytest.raises(MailboxNotFound):
            listings.list_messages(address, principal)
        public_id = db.session.execute(
            sa.text("SELECT public_id FROM messages WHERE mailbox_id = :m"),
            {"m": rows[kind].id}).scalar_one()
        with pytest.raises(MessageNotFound):
            messages.open_message(public_id, principal)


def test_a_message_is_found_only_in_its_own_mailbox(world):
    made, *_ = world
    (summary,) = listings.list_messages(made["public"], Principal()).items
    with pytest.raises(MessageNotFound):
        messages.open_message(summary.public_id, Principal(), address="other@mayfly.test")


def test_owned_only_refuses_public_mailboxes_even_to_users(world):
    made, _, owner_id, _ = world
    (summary,) = listings.list_messages(made["public"], Principal()).items
    with pytest.raises(MessageNotFound):
        messages.open_message(summary.public_id, Principal(user_id=owner_id), owned_only=True)
    assert listings.with_bodies(made["owned"], Principal(user_id=owner_id), owned_only=True)


def test_state_counts_and_version_follow_the_list(world):
    made, *_ = world
    before = listings.mailbox_state(made["public"], Principal())
    assert (before.total, before.unread) == (1, 1)
    (summary,) = listings.list_messages(made["public"], Principal()).items
    messages.open_message(summary.public_id, Principal(), mark_seen=True)
    after = listings.mailbox_state(made["public"], Principal())
    assert (after.total, after.unread) == (1, 0) and after.version != before.version


def test_cursors_must_name_a_message_of_the_mailbox(world):
    made, *_ = world
    with pytest.raises(InvalidInput):
        listings.list_messages(made["public"], Principal(), cursor=2**40)
    with pytest.raises(InvalidInput):
        listings.list_messages(made["public"], Principal(), since=2**60)


def test_an_unused_public_address_can_be_waited_on(world):
    assert mailboxes.waitable_id("fresh@mayfly.test", Principal()) is None
    with pytest.raises(MailboxNotFound):
        mailboxes.waitable_id("postmaster@mayfly.test", Principal())
    with pytest.raises(MailboxNotFound):
        mailboxes.waitable_id("x@not-ours.example", Principal())
