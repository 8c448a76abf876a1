"""Mailboxes: create, find, extend, rename and delete (purging the expired: `purge`).

Whether a mailbox is live, when it expires and what its row holds is decided by
`mailbox_policy`; who may read it by `access`. This module does the work.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.mail import addresses
from app.models import Domain, Mailbox, MailboxAccount, Message, User
from app.models.base import utcnow
from app.services.access import Principal, can_read
from app.services.accounts import plans
from app.services.errors import (
    AddressTaken,
    InvalidInput,
    MailboxNotFound,
    PlanLimit,
    ReservedAddress,
    Unauthorized,
    UnknownDomain,
)
from app.services.mailbox_life import domains, mailbox_policy
from app.services.mailbox_life.mailbox_policy import Lifetime
from app.services.mailbox_life.purge import delete_ids, delete_messages_where
from app.services.secrets import grant_proof, hash_token, new_mailbox_token

is_live = mailbox_policy.is_live
time_left = mailbox_policy.time_left


@dataclass(frozen=True)
class CreatedMailbox:
    mailbox: Mailbox
    token: str | None  # shown once, for a protected mailbox


def create_mailbox(local: str | None = None, domain: str | None = None, *,
                   protected: bool = False, owner_id: int | None = None,
                   style: str = "mbx") -> CreatedMailbox:
    """A new mailbox at a chosen or random address; raises Invalid, Reserved, Taken, PlanLimit.

    A mailbox with an owner is protected (only the owner reads it) and lives
    OWNED_MAILBOX_TTL; the owner's plan decides how many they may have and on which domains.
    A mailbox asked to be protected gets a token (`style` "mbx" or "hex40"), shown once.
    """
    domain_row = _active_domain(domain or domains.default_name())
    if owner_id is not None:
        owner = db.session.get(User, owner_id)
        if owner is None:
            raise MailboxNotFound()
        plans.check_new_mailbox(owner, domain_row)
    token = new_mailbox_token(style) if protected else None
    lifetime = Lifetime.KEPT if owner_id is not None else Lifetime.PUBLIC
    for local_part in _candidates(local):
        if local is not None:
            _free_or_taken(f"{local_part}@{domain_row.name}")
        elif _find(f"{local_part}@{domain_row.name}") is not None:
            continue
        mailbox = Mailbox(**mailbox_policy.new_row(
            local_part, domain_row.name, domain_row.id, lifetime=lifetime, owner_id=owner_id,
            token_hash=hash_token(token) if token else None, protected=protected))
        db.session.add(mailbox)
        try:
            db.session.commit()
        except IntegrityError:  # a concurrent request or delivery took the address
            db.session.rollback()
            continue
        return CreatedMailbox(mailbox, token)
    if local is not None:
        raise AddressTaken()
    raise AddressTaken("Could not find a free random address; try again.")


def _candidates(local: str | None) -> list[str]:
    """The chosen local part once, or a few random ones."""
    if local is not None:
        return [_checked_local(local)]
    return [addresses.random_local_part() for _ in range(8)]


def new_account_mailbox(local: str, domain: str) -> Mailbox:
    """An account's mailbox, added to the session but not committed: the caller adds the
    account row and commits both at once."""
    domain_row = _active_domain(domain)
    local = _checked_local(local)
    _free_or_taken(f"{local}@{domain_row.name}")
    mailbox = Mailbox(**mailbox_policy.new_row(local, domain_row.name, domain_row.id,
                                               lifetime=Lifetime.KEPT, protected=True))
    db.session.add(mailbox)
    db.session.flush()
    return mailbox


def _active_domain(name: str) -> Domain:
    domain_row = domains.find_active(name)
    if domain_row is None:
        raise UnknownDomain()
    return domain_row


def _checked_local(local: str) -> str:
    """A local part someone chose, normalized; InvalidInput or ReservedAddress otherwise."""
    try:
        local = addresses.check_chosen_local_part(local)
    except addresses.InvalidAddress as exc:
        raise InvalidInput(str(exc)) from None
    if addresses.is_reserved(local):
        raise ReservedAddress()
    return local


def _free_or_taken(address: str) -> None:
    """AddressTaken if a live or held mailbox has the address; one past its hold gives way."""
    existing = _find(address)
    if existing is not None:
        if is_live(existing) or mailbox_policy.is_held(existing):
            raise AddressTaken()
        delete_ids([existing.id])


def _find(address: str) -> Mailbox | None:
    return db.session.execute(
        sa.select(Mailbox).filter_by(address=addresses.normalize(address))).scalar_one_or_none()


def get_mailbox(address: str, principal: Principal) -> Mailbox:
    """A live mailbox the principal may read; anything else looks like it does not exist."""
    mailbox = _find(address)
    if mailbox is None or not is_live(mailbox) or not can_read(principal, mailbox):
        raise MailboxNotFound()
    return mailbox


_ACCESS_QUERY = sa.select(Mailbox.__table__.c.id, Mailbox.__table__.c.local_part,
                          Mailbox.__table__.c.protected, Mailbox.__table__.c.owner_id,
                          Mailbox.__table__.c.expires_at, Mailbox.__table__.c.token_hash).where(
    Mailbox.__table__.c.address == sa.bindparam("address"))


def readable_id(address: str, principal: Principal, *, owned_only: bool = False) -> int:
    """get_mailbox's answer as just the id, in one Core query: for lists and polls. With
    `owned_only`, only a mailbox the principal's user owns."""
    row = db.session.connection().execute(
        _ACCESS_QUERY, {"address": addresses.normalize(address)}).one_or_none()
    if row is None or not is_live(row) or not can_read(principal, row) or (
            owned_only and (row.owner_id is None or row.owner_id != principal.user_id)):
        raise MailboxNotFound()
    return int(row.id)


def open_by_token(address: str, token: str) -> int:
    """The id of the live mailbox at `address` that `token` opens, in one statement; for
    doors that tell "no such mailbox" (MailboxNotFound) from "not your token" (Unauthorized),
    as developermail's does."""
    row = db.session.connection().execute(
        _ACCESS_QUERY, {"address": addresses.normalize(address)}).one_or_none()
    if row is None or not is_live(row) or addresses.is_reserved(row.local_part):
        raise MailboxNotFound()
    if not token or row.token_hash is None or not hmac.compare_digest(
            row.token_hash, hash_token(token.strip())):
        raise Unauthorized()
    return int(row.id)


def waitable_id(address: str, principal: Principal) -> int | None:
    """What a wait or a stream watches: the id of a mailbox the principal may read, or None
    for an address nobody has used yet that would become a public mailbox with its first
    message (so a test can wait on an address before anything is sent to it).
    MailboxNotFound for everything else: protected, expired, reserved, foreign domains."""
    normalized = check_viewable(address)
    row = db.session.connection().execute(_ACCESS_QUERY, {"address": normalized}).one_or_none()
    if row is None:
        return None
    if not is_live(row) or not can_read(principal, row):
        raise MailboxNotFound()
    return int(row.id)


def live_addresses(candidates: list[str], principal: Principal) -> list[str]:
    """Those of `candidates` whose mailbox is live and readable, in their order: one
    statement (none for no candidates). Expired and purged addresses drop out."""
    if not candidates:
        return []
    table = Mailbox.__table__.c
    rows = db.session.connection().execute(sa.select(
        table.id, table.address, table.local_part, table.protected, table.owner_id,
        table.expires_at, table.token_hash)
        .where(table.address.in_(candidates))).all()
    live = {row.address for row in rows if is_live(row) and can_read(principal, row)}
    return [a for a in candidates if a in live]


def has_expired(mailbox_id: int | None) -> bool:
    """Whether this mailbox is past its expiry, or already purged (ids are never reused)."""
    if mailbox_id is None:
        return False
    mailbox = db.session.get(Mailbox, mailbox_id)
    return mailbox is None or not is_live(mailbox)


def check_viewable(address: str) -> str:
    """The normalized address if it could ever hold readable mail; MailboxNotFound otherwise.

    Reserved names, malformed addresses and domains Mayfly does not serve are never shown.
    """
    try:
        local, domain = addresses.split(address)
    except addresses.InvalidAddress:
        raise MailboxNotFound() from None
    if addresses.is_reserved(local) or domains.find_active(domain) is None:
        raise MailboxNotFound()
    return f"{local}@{domain}"


def extend_mailbox(address: str, principal: Principal) -> Mailbox:
    """Push the expiry one lifetime from now."""
    mailbox = get_mailbox(address, principal)
    if mailbox.expires_at is not None:
        is_account = db.session.get(MailboxAccount, mailbox.id) is not None
        mailbox.expires_at = mailbox_policy.expiry(mailbox_policy.lifetime_of(
            owner_id=mailbox.owner_id, is_account=is_account, local_part=mailbox.local_part))
        db.session.commit()
    return mailbox


def list_owned(user_id: int) -> list[tuple[Mailbox, int]]:
    """The user's mailboxes, newest first, each with its unread count."""
    unread = (sa.select(sa.func.count()).select_from(Message)
              .where(Message.mailbox_id == Mailbox.id, Message.seen.is_(False))
              .correlate(Mailbox).scalar_subquery())
    rows = db.session.execute(
        sa.select(Mailbox, unread).where(Mailbox.owner_id == user_id)
        .order_by(Mailbox.id.desc())).all()
    return [(mailbox, count) for mailbox, count in rows]


def delete_mailbox(address: str, principal: Principal) -> None:
    """The mailbox and all its messages are gone. A public one (mailbox_policy.
    held_when_deleted) is expired now instead of removed: its mail is deleted at once, and
    for EXPIRED_HOLD nobody can receive at (550 at RCPT), read, take or choose the address,
    exactly as after expiring; the purge then removes the row."""
    mailbox = get_mailbox(address, principal)
    is_account = db.session.get(MailboxAccount, mailbox.id) is not None
    lifetime = mailbox_policy.lifetime_of(owner_id=mailbox.owner_id, is_account=is_account,
                                          local_part=mailbox.local_part)
    if not mailbox_policy.held_when_deleted(lifetime):
        delete_ids([mailbox.id])
        db.session.commit()
        return
    mailbox.expires_at = utcnow()  # refuses mail from this commit on
    db.session.commit()
    delete_messages_where(Message.mailbox_id == mailbox.id)


def open_with_token(address: str, token: str) -> tuple[int, str]:
    """A browser grant (id, proof) for the live protected mailbox this token opens;
    MailboxNotFound otherwise. See Principal.grants."""
    mailbox = _find(address)
    if (mailbox is None or not is_live(mailbox) or mailbox.token_hash is None
            or not hmac.compare_digest(mailbox.token_hash, hash_token(token.strip()))):
        raise MailboxNotFound()
    return mailbox.id, grant_proof(mailbox.token_hash)


def rotate_token(address: str, principal: Principal, kind: str = "mbx") -> str:
    """A new token for a protected mailbox; every older one (and every browser grant made
    with one) stops working at once."""
    mailbox = get_mailbox(address, principal)
    token = new_mailbox_token(kind)
    mailbox.token_hash = hash_token(token)
    mailbox.protected = True
    db.session.commit()
    return token


def rename_mailbox(address: str, local: str, domain: str, principal: Principal) -> Mailbox:
    """Move a mailbox the principal owns, with its mail, to a new address."""
    mailbox = get_mailbox(address, principal)
    if principal.user_id is None or mailbox.owner_id != principal.user_id:
        raise MailboxNotFound()
    domain_row = _active_domain(domain)
    local = _checked_local(local)
    owner = db.session.get(User, mailbox.owner_id)
    if owner is not None and domain_row.kind not in plans.plan_for(owner).domain_types:
        raise PlanLimit(f"Your plan does not include {domain_row.kind} domains.")
    new_address = f"{local}@{domain_row.name}"
    if new_address == mailbox.address:
        return mailbox
    _free_or_taken(new_address)
    mailbox.address, mailbox.local_part, mailbox.domain_id = new_address, local, domain_row.id
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise AddressTaken() from None
    return mailbox


def find_id_by_token(token: str) -> int | None:
    """The mailbox a token opens, if any (an expired one still answers as not found)."""
    return db.session.execute(
        sa.select(Mailbox.id).where(Mailbox.token_hash == hash_token(token))
    ).scalar_one_or_none()
