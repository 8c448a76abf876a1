"""A visitor who signs up keeps the address they were using: it becomes an owned mailbox,
with its mail, under the account's plan and lifetime."""

from __future__ import annotations

from collections.abc import Collection

from app.extensions import db
from app.models import Mailbox, User
from app.services.accounts import plans
from app.services.errors import MailboxNotFound
from app.services.mailbox_life import mailbox_policy, visibility
from app.services.mailbox_life.mailbox_policy import Lifetime


def keepable(mailbox_id: int | None, address: str | None,
             made: Collection[int]) -> Mailbox | None:
    """The visitor's public mailbox, if their browser made it (`made`: the ids of the
    mailboxes it created) and it is still that very mailbox. Ids are never reused, so an
    address that was deleted or expired and then taken by someone else never matches: its
    mailbox, and the stranger's mail in it, is not this visitor's to keep."""
    if mailbox_id is None or address is None or mailbox_id not in made:
        return None
    mailbox = db.session.get(Mailbox, mailbox_id)
    if mailbox is None or mailbox.address != address or not visibility.is_public(mailbox):
        return None
    return mailbox


def keep(user: User, mailbox_id: int | None, address: str | None,
         made: Collection[int]) -> Mailbox:
    """Make the visitor's mailbox the user's: protected, owned, with the owned lifetime.
    MailboxNotFound when it is not keepable; PlanLimit when the plan has no room."""
    mailbox = keepable(mailbox_id, address, made)
    if mailbox is None:
        raise MailboxNotFound("This browser has no address to keep: it expired, was deleted, "
                              "or was never made here.")
    plans.check_new_mailbox(user, mailbox.domain)
    mailbox.owner_id, mailbox.protected = user.id, True
    mailbox.expires_at = mailbox_policy.expiry(Lifetime.KEPT)
    db.session.commit()
    return mailbox
