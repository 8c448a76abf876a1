"""Making mailboxes: a new one at a chosen or random address, an account's mailbox, and the
rules every address someone chooses passes (an active domain, an allowed local part, free).

What a new row holds and how long it lives is decided by `mailbox_policy`. Finding and
reading mailboxes: `mailbox_reads`; tokens: `mailbox_tokens`; extending, renaming and
deleting: `mailbox_changes`; purging the expired: `purge`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.mail import addresses
from app.models import Domain, Mailbox, User
from app.services.accounts import plans
from app.services.errors import (
    AddressTaken,
    InvalidInput,
    MailboxNotFound,
    ReservedAddress,
    UnknownDomain,
)
from app.services.mailbox_life import domains, mailbox_policy
from app.services.mailbox_life.mailbox_policy import Lifetime
from app.services.mailbox_life.mailbox_reads import find_row
from app.services.mailbox_life.purge import delete_ids
from app.services.secrets import hash_token, new_mailbox_token


@dataclass(frozen=True)
class CreatedMailbox:
    mailbox: Mailbox
    token: str | None  # shown once, for a protected mailbox


def create_mailbox(local: str | None = None, domain: str | None = None, *,
                   protected: bool = False, owner_id: int | None = None,
                   style: str = "mbx", ttl: timedelta | None = None) -> CreatedMailbox:
    """A new mailbox at a chosen or random address; raises Invalid, Reserved, Taken, PlanLimit.

    A mailbox with an owner is protected (only the owner reads it) and lives
    OWNED_MAILBOX_TTL; the owner's plan decides how many they may have and on which domains.
    A mailbox asked to be protected gets a token (`style` "mbx" or "hex40"), shown once.
    A `ttl` shortens its life (never lengthens it: mailbox_policy.new_row).
    """
    domain_row = active_domain(domain or domains.default_name())
    if owner_id is not None:
        owner = db.session.get(User, owner_id)
        if owner is None:
            raise MailboxNotFound()
        plans.check_new_mailbox(owner, domain_row)
    token = new_mailbox_token(style) if protected else None
    lifetime = Lifetime.KEPT if owner_id is not None else Lifetime.PUBLIC
    for local_part in _candidates(local):
        if local is not None:
            free_or_taken(f"{local_part}@{domain_row.name}")
        elif find_row(f"{local_part}@{domain_row.name}") is not None:
            continue
        mailbox = Mailbox(**mailbox_policy.new_row(
            local_part, domain_row.name, domain_row.id, lifetime=lifetime, owner_id=owner_id,
            token_hash=hash_token(token) if token else None, protected=protected, ttl=ttl))
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
        return [checked_local(local)]
    return [addresses.random_local_part() for _ in range(8)]


def new_account_mailbox(local: str, domain: str) -> Mailbox:
    """An account's mailbox, added to the session but not committed: the caller adds the
    account row and commits both at once."""
    domain_row = active_domain(domain)
    local = checked_local(local)
    free_or_taken(f"{local}@{domain_row.name}")
    mailbox = Mailbox(**mailbox_policy.new_row(local, domain_row.name, domain_row.id,
                                               lifetime=Lifetime.KEPT, protected=True))
    db.session.add(mailbox)
    db.session.flush()
    return mailbox


def active_domain(name: str) -> Domain:
    """The active domain of this name; UnknownDomain otherwise."""
    domain_row = domains.find_active(name)
    if domain_row is None:
        raise UnknownDomain()
    return domain_row


def checked_local(local: str) -> str:
    """A local part someone chose, normalized; InvalidInput or ReservedAddress otherwise."""
    try:
        local = addresses.check_chosen_local_part(local)
    except addresses.InvalidAddress as exc:
        raise InvalidInput(str(exc)) from None
    if addresses.is_reserved(local):
        raise ReservedAddress()
    return local


def free_or_taken(address: str) -> None:
    """AddressTaken if a live or held mailbox has the address; one past its hold gives way."""
    existing = find_row(address)
    if existing is not None:
        if mailbox_policy.is_live(existing) or mailbox_policy.is_held(existing):
            raise AddressTaken()
        delete_ids([existing.id])


def commit_address() -> None:
    """Commit a mailbox's new or changed address; AddressTaken if another request or a
    delivery took it meanwhile (the unique index decides)."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise AddressTaken() from None
