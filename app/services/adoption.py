"""A visitor who signs up keeps the address they were using: it becomes an owned mailbox,
with its mail, under the account's plan and lifetime."""

from __future__ import annotations

from app.extensions import db
from app.models import Mailbox, User
from app.services import mailbox_policy, plans
from app.services.errors import MailboxNotFound
from app.services.mailbox_policy import Lifetime


def keepable(mailbox_id: int | None, address: str | None) -> Mailbox | None:
    """The visitor's public mailbox, if it is still that very mailbox (ids are never reused,
    so an address that expired and was taken again by someone else does not match)."""
    if mailbox_id is None or address is None:
        return None
    mailbox = db.session.get(Mailbox, mailbox_id)
    if (mailbox is None or mailbox.address != address or mailbox.owner_id is not None
            or mailbox.protected or not mailbox_policy.is_live(mailbox)):
        return None
    return mailbox


def keep(user: User, mailbox_id: int | None, address: str | None) -> Mailbox:
    """Make the visitor's mailbox the user's: protected, owned, with the owned lifetime.
    MailboxNotFound when it is not keepable; PlanLimit when the plan has no room."""
    mailbox = keepable(mailbox_id, address)
    if mailbox is None:
        raise MailboxNotFound()
    plans.check_new_mailbox(user, mailbox.domain)
    mailbox.owner_id, mailbox.protected = user.id, True
    mailbox.expires_at = mailbox_policy.expiry(Lifetime.KEPT)
    db.session.commit()
    return mailbox
