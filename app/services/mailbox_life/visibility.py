"""Who may see a mailbox now, and who owns it: each rule once, as a predicate for a row in
hand and as an SQL clause for queries. Every read asks here; no other module compares a
mailbox's `owner_id`, and liveness comes from mailbox_policy.

Seeing. A live mailbox is seen by anyone with its address when it is public; a protected one
by its owner, by a credential of this request that opened it (a token, a JWT, a mailbox
account) and by a browser holding a grant made with its current token. Reserved names
(postmaster, abuse, …) are seen by admins only, and public doors (1secmail, tempmail-php)
never see a protected mailbox, token or not.

Admins. A principal with admin reach (`Principal.is_admin`: an API key made with admin scope
whose user is still an admin, or an admin's signed-in browser session) sees every live
mailbox and counts as the owner of every one, so "owned only" reads (tempmailg, MailHog,
Mailpit) show it all mail. Any other key of an admin user is a user key: it sees and owns
what its user would (api_keys.holder decides the reach; tests/security/test_admin_scope.py).
"""

from __future__ import annotations

from typing import Protocol

import sqlalchemy as sa

from app.mail.addresses import RESERVED_LOCAL_PARTS, is_reserved
from app.models import Mailbox
from app.services.access import MailboxFields, Principal
from app.services.mailbox_life import mailbox_policy
from app.services.secrets import grant_proof


class Seen(MailboxFields, mailbox_policy.HasExpiry, Protocol):
    """What the rules look at: a Mailbox, or a query row with the same columns."""


def may_see(principal: Principal, mailbox: Seen) -> bool:
    """Whether the principal may see this mailbox now: it is live, and theirs to read."""
    return mailbox_policy.is_live(mailbox) and _may_read(principal, mailbox)


def owns(principal: Principal, mailbox: Seen) -> bool:
    """Whether the principal owns this live mailbox: its user is the owner, or the principal
    has admin reach (which owns every mailbox)."""
    return mailbox_policy.is_live(mailbox) and (principal.is_admin or (
        principal.user_id is not None and mailbox.owner_id == principal.user_id))


def is_public(mailbox: Seen) -> bool:
    """Whether the mailbox is live, unprotected and unowned: anyone with its address sees it
    (and a visitor whose browser made it may keep it: adoption)."""
    return (mailbox_policy.is_live(mailbox) and not mailbox.protected
            and mailbox.owner_id is None)


def may_open(principal: Principal, mailbox: Seen, *, owned_only: bool = False) -> bool:
    """may_see, and with `owned_only` owns too: the one check of every read by address or id."""
    return may_see(principal, mailbox) and (not owned_only or owns(principal, mailbox))


def _may_read(principal: Principal, mailbox: MailboxFields) -> bool:
    if principal.is_admin:
        return True
    if is_reserved(mailbox.local_part):
        return False
    if not mailbox.protected:
        return True
    if principal.public_door:
        return False
    if principal.user_id is not None and mailbox.owner_id == principal.user_id:
        return True
    if mailbox.id in principal.mailbox_ids:
        return True
    return mailbox.token_hash is not None and (
        (mailbox.id, grant_proof(mailbox.token_hash)) in principal.grants)


def visible_clause(principal: Principal) -> sa.ColumnElement[bool]:
    """may_see for a query over many mailboxes: those the principal may see without naming
    them. Every live one for admin reach; else the live ones its user owns and those a
    credential of this request opened. Public mailboxes are seen by address only, never
    listed, and a browser grant opens one named mailbox, so neither is in the clause.
    Reserved mailboxes are never owned; nothing but admin reach lists them."""
    if principal.is_admin:
        return mailbox_policy.live_clause()
    opened = (sa.and_(Mailbox.id.in_(sorted(principal.mailbox_ids)), _not_reserved())
              if principal.mailbox_ids else sa.false())
    return sa.and_(mailbox_policy.live_clause(),
                   sa.or_(_owner_is(principal.user_id), opened))


def owned_clause(principal: Principal) -> sa.ColumnElement[bool]:
    """owns for a query: the live mailboxes the principal owns (every live one for admin
    reach)."""
    if principal.is_admin:
        return mailbox_policy.live_clause()
    return sa.and_(mailbox_policy.live_clause(), _owner_is(principal.user_id))


def belongs_to(user_id: int) -> sa.ColumnElement[bool]:
    """The mailboxes whose owner is this user, live or not, and whatever the user's reach:
    what counts against their plan, goes with their account, or a webhook may name."""
    return Mailbox.owner_id == user_id


def _not_reserved() -> sa.ColumnElement[bool]:
    """is_reserved in SQL: none of the names, with or without a +tag."""
    local = sa.func.lower(Mailbox.local_part)
    names = sorted(RESERVED_LOCAL_PARTS)
    return sa.and_(local.not_in(names),
                   *(sa.not_(local.startswith(f"{name}+", autoescape=True)) for name in names))


def _owner_is(user_id: int | None) -> sa.ColumnElement[bool]:
    return sa.false() if user_id is None else belongs_to(user_id)
