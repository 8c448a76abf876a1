"""Finding mailboxes for a principal: one by address (as a row, or just its id for lists and
polls), the addresses among several that are still there, and a user's own.

Each read asks `visibility` whether the principal may see (or, for "owned only" reads, owns)
the mailbox; one it may not looks exactly like one that does not exist.
"""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.mail import addresses
from app.models import Mailbox, Message
from app.services.access import Principal
from app.services.errors import MailboxNotFound
from app.services.mailbox_life import domains, mailbox_policy, visibility

_TABLE = Mailbox.__table__.c
# The columns the rules (visibility) look at, and open_by_token's token check.
ACCESS_COLUMNS = (_TABLE.id, _TABLE.address, _TABLE.local_part, _TABLE.protected,
                  _TABLE.owner_id, _TABLE.expires_at, _TABLE.token_hash)
ACCESS_QUERY = sa.select(*ACCESS_COLUMNS).where(_TABLE.address == sa.bindparam("address"))


def find_row(address: str) -> Mailbox | None:
    """The mailbox at this address, live or not, whoever asks: for rules that decide on it."""
    return db.session.execute(
        sa.select(Mailbox).filter_by(address=addresses.normalize(address))).scalar_one_or_none()


def get_mailbox(address: str, principal: Principal, *, owned_only: bool = False) -> Mailbox:
    """A live mailbox the principal may see (and owns, with `owned_only`); anything else
    looks like it does not exist."""
    mailbox = find_row(address)
    if mailbox is None or not visibility.may_open(principal, mailbox, owned_only=owned_only):
        raise MailboxNotFound()
    return mailbox


def readable_id(address: str, principal: Principal, *, owned_only: bool = False) -> int:
    """get_mailbox's answer as just the id, in one Core query: for lists and polls."""
    row = db.session.connection().execute(
        ACCESS_QUERY, {"address": addresses.normalize(address)}).one_or_none()
    if row is None or not visibility.may_open(principal, row, owned_only=owned_only):
        raise MailboxNotFound()
    return int(row.id)


def waitable_id(address: str, principal: Principal) -> int | None:
    """What a wait or a stream watches: the id of a mailbox the principal may read, or None
    for an address nobody has used yet that would become a public mailbox with its first
    message (so a test can wait on an address before anything is sent to it).
    MailboxNotFound for everything else: protected, expired, reserved, foreign domains."""
    normalized = check_viewable(address)
    row = db.session.connection().execute(ACCESS_QUERY, {"address": normalized}).one_or_none()
    if row is None:
        return None
    if not visibility.may_see(principal, row):
        raise MailboxNotFound()
    return int(row.id)


def live_addresses(candidates: list[str], principal: Principal) -> list[str]:
    """Those of `candidates` whose mailbox the principal may see, in their order: one
    statement (none for no candidates). Expired and purged addresses drop out."""
    if not candidates:
        return []
    rows = db.session.connection().execute(
        sa.select(*ACCESS_COLUMNS).where(_TABLE.address.in_(candidates))).all()
    seen = {row.address for row in rows if visibility.may_see(principal, row)}
    return [a for a in candidates if a in seen]


def has_expired(mailbox_id: int | None) -> bool:
    """Whether this mailbox is past its expiry, or already purged (ids are never reused)."""
    if mailbox_id is None:
        return False
    mailbox = db.session.get(Mailbox, mailbox_id)
    return mailbox is None or not mailbox_policy.is_live(mailbox)


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


def list_owned(user_id: int) -> list[tuple[Mailbox, int]]:
    """The user's mailboxes, newest first, each with its unread count."""
    unread = (sa.select(sa.func.count()).select_from(Message)
              .where(Message.mailbox_id == Mailbox.id, Message.seen.is_(False))
              .correlate(Mailbox).scalar_subquery())
    rows = db.session.execute(
        sa.select(Mailbox, unread).where(visibility.belongs_to(user_id))
        .order_by(Mailbox.id.desc())).all()
    return [(mailbox, count) for mailbox, count in rows]
