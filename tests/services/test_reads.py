"""Who reads what, through the per-screen reads: every kind of mailbox against every kind of
caller, through the mailbox's state and pages, messages (one message), and the "owned only"
reads of the single-inbox and tempmailg doors. READS and OWNED_READS are the one table of the
rule (mailbox_life.visibility); tests/security/test_reads_by_door.py holds every door to it."""

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
from app.services.mailbox_life import mailbox_reads, mailboxes, visibility
from app.services.secrets import grant_proof
from app.services.stored_mail import bulk_reads, mailbox_states, messages, owned_mail, pages
from tests.factories import build_eml

KINDS = ("public", "token", "owned", "reserved", "expired")
CALLERS = ("anonymous", "public door", "token holder", "browser grant", "stale grant",
           "owner", "another user", "admin's plain key", "admin")
# "admin" has admin reach (a key made with admin scope, or an admin's browser session);
# "admin's plain key" is any other key of an admin user: a user key like any other.
# Who may read which kind: everything else answers as if it did not exist.
READS = {
    "public": {"anonymous", "token holder", "browser grant", "stale grant", "owner",
               "another user", "admin's plain key", "admin", "public door"},
    "token": {"token holder", "browser grant", "admin"},
    "owned": {"owner", "admin", "token holder"},  # a credential for it (JWT, token) opens it
    "reserved": {"admin"},
    "expired": set(),
}
# "Owned only" reads (tempmailg, MailHog, Mailpit): the owner, and admin reach, which owns
# every live mailbox. A token opens a mailbox but does not make its holder the owner.
OWNED_READS = {
    "public": {"admin"},
    "token": {"admin"},
    "owned": {"owner", "admin"},
    "reserved": {"admin"},
    "expired": set(),
}


@pytest.fixture
def world(app_ctx):
    owner = users.create_user("owner@example.org", "long enough password")
    other = users.create_user("other@example.org", "long enough password")
    root = users.create_user("root@example.org", "long enough password", is_admin=True)
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
    return made, rows, owner.id, other.id, root.id


def _caller(name: str, kind: str, rows, owner_id: int, other_id: int,
            root_id: int) -> Principal:
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
        "admin's plain key": Principal(user_id=root_id),
        "admin": Principal(user_id=root_id, is_admin=True),
    }[name]


def _public_id(rows, kind: str) -> int:
    return db.session.execute(sa.text("SELECT public_id FROM messages WHERE mailbox_id = :m"),
                              {"m": rows[kind].id}).scalar_one()


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("caller", CALLERS)
def test_who_reads_what(world, kind, caller):
    made, rows, *users_ = world
    principal = _caller(caller, kind, rows, *users_)
    allowed = caller in READS[kind]
    address = made[kind]
    state = mailbox_states.find_state(address, principal)
    assert (state is not None) is allowed
    if allowed:
        (summary,) = pages.list_messages(address, principal).items
        opened = messages.open_message(summary.public_id, principal)
        assert opened.address == address and opened.message.subject == address
    else:
        with pytest.raises(MailboxNotFound):
            pages.list_messages(address, principal)
        with pytest.raises(MessageNotFound):
            messages.open_message(_public_id(rows, kind), principal)
    assert visibility.may_see(principal, rows[kind]) is allowed


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("caller", CALLERS)
def test_who_reads_what_owned_only(world, kind, caller):
    """Every "owned only" read gives the one answer: by address, by message, as one inbox."""
    made, rows, *users_ = world
    principal = _caller(caller, kind, rows, *users_)
    allowed = caller in OWNED_READS[kind]
    address, public_id = made[kind], _public_id(rows, kind)
    assert visibility.owns(principal, rows[kind]) is allowed
    if allowed:
        (message,) = bulk_reads.with_bodies(address, principal, owned_only=True)
        assert message.subject == address
        assert messages.open_message(public_id, principal, owned_only=True).address == address
        assert mailbox_reads.get_mailbox(address, principal, owned_only=True).address == address
    else:
        with pytest.raises(MailboxNotFound):
            bulk_reads.with_bodies(address, principal, owned_only=True)
        with pytest.raises(MessageNotFound):
            messages.open_message(public_id, principal, owned_only=True)
        with pytest.raises(MailboxNotFound):
            mailbox_reads.get_mailbox(address, principal, owned_only=True)
    inbox = owned_mail.page(principal, limit=100).messages
    assert (public_id in {m.public_id for m in inbox}) is allowed


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("caller", CALLERS)
def test_each_sql_clause_agrees_with_its_predicate(world, kind, caller):
    """owned_clause finds exactly the mailboxes `owns` says; visible_clause (what a search
    across mailboxes covers) only ones `may_see` says, never a public one by listing."""
    _, rows, *users_ = world
    principal = _caller(caller, kind, rows, *users_)
    mailbox = rows[kind]

    def selected(clause: sa.ColumnElement[bool]) -> bool:
        return db.session.execute(sa.select(Mailbox.id).where(
            Mailbox.id == mailbox.id, clause)).scalar_one_or_none() is not None

    assert selected(visibility.owned_clause(principal)) is visibility.owns(principal, mailbox)
    assert selected(visibility.visible_clause(principal)) is (visibility.may_see(principal, mailbox) and (
        principal.is_admin or visibility.owns(principal, mailbox)
        or mailbox.id in principal.mailbox_ids))


def test_a_message_is_found_only_in_its_own_mailbox(world):
    made, *_ = world
    (summary,) = pages.list_messages(made["public"], Principal()).items
    with pytest.raises(MessageNotFound):
        messages.open_message(summary.public_id, Principal(), address="other@mayfly.test")


def test_owned_only_refuses_public_mailboxes_even_to_users(world):
    made, _, owner_id, *_ = world
    (summary,) = pages.list_messages(made["public"], Principal()).items
    with pytest.raises(MessageNotFound):
        messages.open_message(summary.public_id, Principal(user_id=owner_id), owned_only=True)
    assert bulk_reads.with_bodies(made["owned"], Principal(user_id=owner_id), owned_only=True)


def test_state_counts_and_version_follow_the_list(world):
    made, *_ = world
    before = mailbox_states.mailbox_state(made["public"], Principal())
    assert (before.total, before.unread) == (1, 1)
    (summary,) = pages.list_messages(made["public"], Principal()).items
    messages.open_message(summary.public_id, Principal(), mark_seen=True)
    after = mailbox_states.mailbox_state(made["public"], Principal())
    assert (after.total, after.unread) == (1, 0) and after.version != before.version


def test_cursors_must_name_a_message_of_the_mailbox(world):
    made, *_ = world
    with pytest.raises(InvalidInput):
        pages.list_messages(made["public"], Principal(), cursor=2**40)
    with pytest.raises(InvalidInput):
        pages.list_messages(made["public"], Principal(), since=2**60)


def test_an_unused_public_address_can_be_waited_on(world):
    assert mailbox_reads.waitable_id("fresh@mayfly.test", Principal()) is None
    with pytest.raises(MailboxNotFound):
        mailbox_reads.waitable_id("postmaster@mayfly.test", Principal())
    with pytest.raises(MailboxNotFound):
        mailbox_reads.waitable_id("x@not-ours.example", Principal())
