"""Mailboxes: create, find, extend, delete, and purge what has expired."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.mail import addresses
from app.models import Attachment, Mailbox, Message, User
from app.models.base import utcnow
from app.services import domains, quota
from app.services.access import Principal, can_read
from app.services.context import settings
from app.services.errors import (
    AddressTaken,
    InvalidInput,
    MailboxNotFound,
    PlanLimit,
    ReservedAddress,
    UnknownDomain,
)
from app.services.secrets import hash_token, new_mailbox_token

PURGE_BATCH = 500


@dataclass(frozen=True)
class CreatedMailbox:
    mailbox: Mailbox
    token: str | None  # shown once, for a protected mailbox


def create_mailbox(local: str | None = None, domain: str | None = None, *,
                   protected: bool = False, owner_id: int | None = None,
                   style: str = "mbx",
                   long_lived: bool = False) -> CreatedMailbox:
    """A new mailbox at a chosen or random address; raises Invalid, Reserved, Taken, PlanLimit.

    A mailbox with an owner is protected (only the owner reads it) and lives
    OWNED_MAILBOX_TTL; the owner's plan decides how many they may have and on which domains.
    """
    domain_row = domains.find_active(domain or domains.default_name())
    if domain_row is None:
        raise UnknownDomain()
    if owner_id is not None:
        owner = db.session.get(User, owner_id)
        if owner is None:
            raise MailboxNotFound()
        quota.check_new_mailbox(owner, domain_row)
    options = _Options(protected, owner_id, style, long_lived or owner_id is not None)
    if local is None:
        return _create_random(domain_row.name, domain_row.id, options)
    local = _checked_local(local)
    _free_or_taken(f"{local}@{domain_row.name}")
    created = _insert(local, domain_row.name, domain_row.id, options)
    if created is None:
        raise AddressTaken()
    return created


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
    """AddressTaken if a live mailbox has the address; an expired one gives way."""
    existing = _find(address)
    if existing is not None:
        if not _is_expired(existing):
            raise AddressTaken()
        delete_ids([existing.id])


@dataclass(frozen=True)
class _Options:
    protected: bool
    owner_id: int | None
    style: str  # how its token looks: "mbx" or "hex40"
    long_lived: bool


def _create_random(domain: str, domain_id: int, options: _Options) -> CreatedMailbox:
    for _ in range(8):
        local = addresses.random_local_part()
        if _find(f"{local}@{domain}") is None:
            created = _insert(local, domain, domain_id, options)
            if created is not None:
                return created
    raise AddressTaken("Could not find a free random address; try again.")


def _insert(local: str, domain: str, domain_id: int,
            options: _Options) -> CreatedMailbox | None:
    owner_id = options.owner_id
    token = new_mailbox_token(options.style) if options.protected else None
    mailbox = Mailbox(
        address=f"{local}@{domain}", local_part=local, domain_id=domain_id,
        protected=options.protected or owner_id is not None, owner_id=owner_id,
        token_hash=hash_token(token) if token else None,
        expires_at=_new_expiry(owned=options.long_lived))
    db.session.add(mailbox)
    try:
        db.session.commit()
    except IntegrityError:  # a concurrent request or delivery took the address
        db.session.rollback()
        return None
    return CreatedMailbox(mailbox, token)


def _new_expiry(*, owned: bool) -> datetime | None:
    if owned:
        ttl = settings().owned_mailbox_ttl
        return utcnow() + ttl if ttl else None  # OWNED_MAILBOX_TTL=0: never expires
    return utcnow() + settings().public_mailbox_ttl


def _find(address: str) -> Mailbox | None:
    return db.session.execute(
        sa.select(Mailbox).filter_by(address=addresses.normalize(address))).scalar_one_or_none()


def _is_expired(mailbox: Mailbox | sa.Row, now: datetime | None = None) -> bool:
    return mailbox.expires_at is not None and mailbox.expires_at <= (now or utcnow())


def get_mailbox(address: str, principal: Principal) -> Mailbox:
    """A live mailbox the principal may read; anything else looks like it does not exist."""
    mailbox = _find(address)
    if mailbox is None or _is_expired(mailbox) or not can_read(principal, mailbox):
        raise MailboxNotFound()
    return mailbox


_ACCESS_QUERY = sa.select(Mailbox.__table__.c.id, Mailbox.__table__.c.local_part,
                          Mailbox.__table__.c.protected, Mailbox.__table__.c.owner_id,
                          Mailbox.__table__.c.expires_at).where(
    Mailbox.__table__.c.address == sa.bindparam("address"))


def readable_id(address: str, principal: Principal) -> int:
    """get_mailbox's answer as just the id, in one Core query: for lists and polls."""
    row = db.session.connection().execute(
        _ACCESS_QUERY, {"address": addresses.normalize(address)}).one_or_none()
    if row is None or _is_expired(row) or not can_read(principal, row):
        raise MailboxNotFound()
    return row.id


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


def find_mailbox(address: str, principal: Principal) -> Mailbox | None:
    """Like get_mailbox, but None where get_mailbox raises."""
    try:
        return get_mailbox(address, principal)
    except MailboxNotFound:
        return None


def extend_mailbox(address: str, principal: Principal) -> Mailbox:
    """Push the expiry one lifetime from now."""
    mailbox = get_mailbox(address, principal)
    if mailbox.expires_at is not None:
        long_lived = mailbox.owner_id is not None or mailbox.password_hash is not None
        mailbox.expires_at = _new_expiry(owned=long_lived)
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
    """The mailbox and all its messages are gone."""
    delete_ids([get_mailbox(address, principal).id])


def open_with_token(address: str, token: str) -> int:
    """The id of a live protected mailbox this token opens; MailboxNotFound otherwise."""
    mailbox = _find(address)
    if (mailbox is None or _is_expired(mailbox) or mailbox.token_hash is None
            or not hmac.compare_digest(mailbox.token_hash, hash_token(token.strip()))):
        raise MailboxNotFound()
    return mailbox.id


def exists(address: str) -> bool:
    """Whether a live mailbox has this address. Only for doors whose contract tells
    "unknown" (404) from "not yours" (403), as developermail's does."""
    mailbox = _find(address)
    return mailbox is not None and not _is_expired(mailbox)


def rotate_token(address: str, principal: Principal, kind: str = "mbx") -> str:
    """A new token for a protected mailbox; every older one stops working at once."""
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
    domain_row = domains.find_active(domain)
    if domain_row is None:
        raise UnknownDomain()
    local = _checked_local(local)
    owner = db.session.get(User, mailbox.owner_id)
    if owner is not None and domain_row.kind not in quota.plan_for(owner).domain_types:
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
    """The mailbox a token opens, if any."""
    return db.session.execute(
        sa.select(Mailbox.id).where(Mailbox.token_hash == hash_token(token))
    ).scalar_one_or_none()


def time_left(mailbox: Mailbox) -> timedelta | None:
    return None if mailbox.expires_at is None else max(mailbox.expires_at - utcnow(),
                                                       timedelta(0))


def purge_expired(batch_size: int = PURGE_BATCH, max_batches: int | None = None) -> int:
    """Delete expired mailboxes with their mail, in short batches so delivery never waits long."""
    purged = batches = 0
    while max_batches is None or batches < max_batches:
        ids = db.session.execute(
            sa.select(Mailbox.id).where(Mailbox.expires_at <= utcnow()).limit(batch_size)
        ).scalars().all()
        if not ids:
            break
        delete_ids(list(ids))
        purged += len(ids)
        batches += 1
    return purged


def delete_ids(ids: list[int]) -> None:
    # Explicit deletes rather than relying on ON DELETE CASCADE alone: the work is the same
    # on every engine and each batch is one short transaction.
    message_ids = sa.select(Message.id).where(Message.mailbox_id.in_(ids))
    db.session.execute(sa.delete(Attachment).where(Attachment.message_id.in_(message_ids)))
    db.session.execute(sa.delete(Message).where(Message.mailbox_id.in_(ids)))
    db.session.execute(sa.delete(Mailbox).where(Mailbox.id.in_(ids)))
    db.session.commit()
