"""The mailboxes of one delivery transaction and the room they have: found or created at
once for every message of the batch, and charged for each copy as it is placed, so that a
later message of the batch sees what the earlier ones took."""

from __future__ import annotations

from typing import cast

import sqlalchemy as sa

from app.extensions import db
from app.mail import addresses
from app.models import Domain, Mailbox, User
from app.services.accounts import plans
from app.services.errors import QuotaExceeded, UnknownDomain
from app.services.ingest._recipients import Target
from app.services.mailbox_life import mailbox_policy

MAILBOXES = cast(sa.Table, Mailbox.__table__)
DOMAINS = cast(sa.Table, Domain.__table__)

Placed = tuple[str, str | None, int]  # a copy's mailbox address, plus-address tag, mailbox id


class Batch:
    """Mailboxes and room as this transaction sees them, including what it has added."""

    def __init__(self, recipients: set[str]) -> None:
        rows = db.session.execute(
            sa.select(MAILBOXES.c.id, MAILBOXES.c.address, MAILBOXES.c.used_bytes,
                      MAILBOXES.c.owner_id).where(MAILBOXES.c.address.in_(recipients))).all()
        self.mailboxes: dict[str, int] = {r.address: r.id for r in rows}
        self.used: dict[int, int] = {r.id: r.used_bytes for r in rows}
        self.owner: dict[int, int | None] = {r.id: r.owner_id for r in rows}
        self.owner_used: dict[int, int] = {}
        self.added: dict[int, int] = {}
        self._create(recipients - set(self.mailboxes))

    def _create(self, new: set[str]) -> None:
        """Catch-all: the first message creates the mailbox, all of a batch's new ones in one
        multi-row insert. Addresses at a domain that stopped receiving get none."""
        if not new:
            return
        parts = {address: addresses.split(address) for address in new}
        active: dict[str, int] = dict(db.session.execute(
            sa.select(DOMAINS.c.name, DOMAINS.c.id).where(
                DOMAINS.c.name.in_({d for _, d in parts.values()}),
                DOMAINS.c.active.is_(True))).all())
        rows = [mailbox_policy.new_row(local, domain, active[domain],
                                       lifetime=mailbox_policy.lifetime_of(
                                           owner_id=None, is_account=False, local_part=local))
                for local, domain in parts.values() if domain in active]
        if not rows:
            return
        # Rows come back in any order (matched by address): SQLite then takes them all in
        # one INSERT, where an ordered RETURNING would be one INSERT per row.
        created = db.session.execute(
            sa.insert(MAILBOXES).returning(MAILBOXES.c.id, MAILBOXES.c.address), rows).all()
        for mailbox_id, address in created:
            self.mailboxes[address], self.used[mailbox_id] = mailbox_id, 0
            self.owner[mailbox_id] = None

    def place(self, targets: list[Target], size: int) -> list[Placed]:
        """Every copy of one message, charged to its mailbox and owner; or, when one copy does
        not fit (QuotaExceeded) or its domain stopped receiving (UnknownDomain), none."""
        placed = [(address, tag, self._mailbox_id(address)) for address, tag in targets]
        self._check_room([(address, mailbox_id) for address, _, mailbox_id in placed], size)
        for _, _, mailbox_id in placed:
            self._take(mailbox_id, size)
        return placed

    def address_of(self, mailbox_id: int) -> str:
        return next(a for a, i in self.mailboxes.items() if i == mailbox_id)

    def _mailbox_id(self, address: str) -> int:
        if address not in self.mailboxes:
            raise UnknownDomain()
        return self.mailboxes[address]

    def _check_room(self, copies: list[tuple[str, int]], size: int) -> None:
        """Whether every copy of one message fits, counted together: copies to one mailbox
        (plus-address tags) and to one owner's mailboxes add up, each against the room the
        mailbox and the owner's plan have left in this transaction."""
        per_mailbox: dict[int, int] = {}
        for _, mailbox_id in copies:
            per_mailbox[mailbox_id] = per_mailbox.get(mailbox_id, 0) + size
        per_owner: dict[int, int] = {}
        for mailbox_id, address in {i: a for a, i in copies}.items():
            if not mailbox_policy.has_room(self.used[mailbox_id], per_mailbox[mailbox_id]):
                raise QuotaExceeded(f"{address} has no room for {size} more bytes.")
            owner_id = self.owner[mailbox_id]
            if owner_id is not None:
                per_owner[owner_id] = per_owner.get(owner_id, 0) + per_mailbox[mailbox_id]
        for owner_id, adding in per_owner.items():
            if owner_id not in self.owner_used:
                self.owner_used[owner_id] = plans.storage_used(owner_id)
            user = db.session.get(User, owner_id)
            if user and not plans.has_room(user, adding, used=self.owner_used[owner_id]):
                raise QuotaExceeded("The owner of a recipient mailbox has used their storage.")

    def _take(self, mailbox_id: int, size: int) -> None:
        self.used[mailbox_id] += size
        self.added[mailbox_id] = self.added.get(mailbox_id, 0) + size
        owner_id = self.owner[mailbox_id]
        if owner_id is not None:
            self.owner_used[owner_id] += size
