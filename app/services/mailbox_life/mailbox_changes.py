"""Changing a mailbox someone may see: extending its life, moving it to a new address (its
owner only), deleting it with its mail.
"""

from __future__ import annotations

from app.extensions import db
from app.models import Mailbox, MailboxAccount, Message, User
from app.models.base import utcnow
from app.services.access import Principal
from app.services.accounts import plans
from app.services.errors import PlanLimit
from app.services.mailbox_life import mailbox_policy, mailboxes
from app.services.mailbox_life.mailbox_reads import get_mailbox
from app.services.mailbox_life.mailboxes import active_domain, checked_local, free_or_taken
from app.services.mailbox_life.purge import delete_ids, delete_messages_where


def extend_mailbox(address: str, principal: Principal) -> Mailbox:
    """Push the expiry one lifetime from now."""
    mailbox = get_mailbox(address, principal)
    if not mailbox_policy.never_expires(mailbox):
        mailbox.expires_at = mailbox_policy.expiry(_lifetime(mailbox))
        db.session.commit()
    return mailbox


def delete_mailbox(address: str, principal: Principal, *, owned_only: bool = False) -> None:
    """The mailbox and all its messages are gone (with `owned_only`, only a mailbox the
    principal owns). A public one (mailbox_policy.held_when_deleted) is expired now instead
    of removed: its mail is deleted at once, and for EXPIRED_HOLD nobody can receive at (550
    at RCPT), read, take or choose the address, exactly as after expiring; the purge then
    removes the row."""
    mailbox = get_mailbox(address, principal, owned_only=owned_only)
    if not mailbox_policy.held_when_deleted(_lifetime(mailbox)):
        delete_ids([mailbox.id])
        db.session.commit()
        return
    mailbox.expires_at = utcnow()  # refuses mail from this commit on
    db.session.commit()
    delete_messages_where(Message.mailbox_id == mailbox.id)


def _lifetime(mailbox: Mailbox) -> mailbox_policy.Lifetime:
    is_account = db.session.get(MailboxAccount, mailbox.id) is not None
    return mailbox_policy.lifetime_of(owner_id=mailbox.owner_id, is_account=is_account,
                                      local_part=mailbox.local_part)


def rename_mailbox(address: str, local: str, domain: str, principal: Principal) -> Mailbox:
    """Move a mailbox the principal owns (visibility.owns), with its mail, to a new address
    on a domain its owner's plan includes."""
    mailbox = get_mailbox(address, principal, owned_only=True)
    domain_row = active_domain(domain)
    local = checked_local(local)
    owner = db.session.get(User, mailbox.owner_id) if mailbox.owner_id else None
    if owner is not None and domain_row.kind not in plans.plan_for(owner).domain_types:
        raise PlanLimit(f"Your plan does not include {domain_row.kind} domains.")
    new_address = f"{local}@{domain_row.name}"
    if new_address == mailbox.address:
        return mailbox
    free_or_taken(new_address)
    mailbox.address, mailbox.local_part, mailbox.domain_id = new_address, local, domain_row.id
    mailboxes.commit_address()
    return mailbox
