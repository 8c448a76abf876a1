"""A mailbox as a list sees it: its state with its counts in one statement, and the version
a poll compares to tell whether anything it shows has changed.

A mailbox the principal may not see (mailbox_life.visibility) looks exactly like one that
does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from app.extensions import db
from app.mail import addresses
from app.models import Mailbox
from app.services.access import Principal
from app.services.errors import MailboxNotFound
from app.services.mailbox_life import visibility


@dataclass(frozen=True)
class MailboxState:
    """A live, readable mailbox with its counts (kept on its row at write time)."""

    id: int
    address: str
    protected: bool
    owner_id: int | None
    created_at: datetime
    expires_at: datetime | None
    used_bytes: int
    total: int
    unread: int
    pending: int  # messages whose authentication verdicts are still being worked out
    changes: int  # moves with every arrival, deletion, read flag and verdict in this mailbox

    @property
    def version(self) -> str:
        """Changes whenever the list would: mail arrives, is deleted, is read or unread,
        gets its verdicts. Per mailbox: it tells nobody about other mailboxes' mail."""
        return f"{self.changes}-{self.unread}"


NO_MAILBOX_VERSION = "none"


def unread_of(version: str) -> int:
    """The unread count a version (MailboxState.version) was made from."""
    return 0 if version == NO_MAILBOX_VERSION else int(version.split("-")[1])


_STATE = (
    sa.select(Mailbox.id, Mailbox.address, Mailbox.local_part, Mailbox.protected,
              Mailbox.owner_id, Mailbox.token_hash, Mailbox.created_at, Mailbox.expires_at,
              Mailbox.used_bytes, Mailbox.message_count, Mailbox.unread_count,
              Mailbox.pending_count, Mailbox.change_count)
    .where(Mailbox.address == sa.bindparam("address"))
)


def find_state(address: str, principal: Principal) -> MailboxState | None:
    """The mailbox with its counts, in one statement of one row; None where it may not be
    shown."""
    row = db.session.connection().execute(
        _STATE, {"address": addresses.normalize(address)}).one_or_none()
    if row is None or not visibility.may_see(principal, row):
        return None
    return MailboxState(row.id, row.address, row.protected, row.owner_id, row.created_at,
                        row.expires_at, row.used_bytes, row.message_count, row.unread_count,
                        row.pending_count, row.change_count)


def mailbox_state(address: str, principal: Principal) -> MailboxState:
    """find_state, or MailboxNotFound."""
    state = find_state(address, principal)
    if state is None:
        raise MailboxNotFound()
    return state
