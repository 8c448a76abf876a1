"""Who receives a message: the RCPT step's answer for one address, and which mailboxes (and
plus-address tags) a message's envelope recipients come to."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import cast

import sqlalchemy as sa

from app.extensions import db
from app.mail import addresses
from app.models import Domain, FaultRule, Mailbox, User
from app.services.accounts import plans
from app.services.ingest import faults
from app.services.mailbox_life import mailbox_policy

MAILBOXES = cast(sa.Table, Mailbox.__table__)
DOMAINS = cast(sa.Table, Domain.__table__)


class Verdict(enum.Enum):
    ACCEPT = "accept"
    INVALID = "invalid"
    UNKNOWN_DOMAIN = "unknown_domain"
    EXPIRED = "expired"
    FULL = "full"


# One round trip for RCPT: is the domain active, and what of the mailbox if it exists.
_HAS_FAULTS = (sa.select(FaultRule.id).where(FaultRule.mailbox_id == MAILBOXES.c.id,
                                              FaultRule.remaining > 0).exists())
_RECIPIENT_QUERY = (
    sa.select(DOMAINS.c.id, MAILBOXES.c.used_bytes, MAILBOXES.c.expires_at, MAILBOXES.c.owner_id,
              _HAS_FAULTS.label("faulty"))
    .select_from(sa.outerjoin(DOMAINS, MAILBOXES, sa.and_(
        MAILBOXES.c.domain_id == DOMAINS.c.id, MAILBOXES.c.address == sa.bindparam("address"))))
    .where(DOMAINS.c.name == sa.bindparam("domain"), DOMAINS.c.active.is_(True))
)


@dataclass(frozen=True)
class RcptCheck:
    verdict: Verdict
    base: str = ""  # the mailbox's address (a +tag taken off)
    fault: faults.Fault | None = None  # a refuse_rcpt rule that fired
    faulty: bool = False  # the mailbox has live fault rules for later steps


def check_recipient(address: str) -> RcptCheck:
    """Whether mail to this address would be stored (the SMTP RCPT step), and whether a
    fault rule of its mailbox refuses it now."""
    try:
        base, _tag = addresses.split_tag(address)  # name+tag@d is delivered to name@d
        domain = base.rpartition("@")[2]
    except addresses.InvalidAddress:
        return RcptCheck(Verdict.INVALID)
    # Core on the session's connection: this runs for every RCPT, so no ORM layer.
    row = db.session.connection().execute(
        _RECIPIENT_QUERY, {"address": base, "domain": domain}).first()
    if row is None:
        return RcptCheck(Verdict.UNKNOWN_DOMAIN)
    if row.used_bytes is None:
        return RcptCheck(Verdict.ACCEPT, base)  # nobody created it: the first message will
    if not mailbox_policy.is_live(row):
        return RcptCheck(Verdict.EXPIRED, base)
    if mailbox_policy.is_full(row.used_bytes):
        return RcptCheck(Verdict.FULL, base)
    owner = db.session.get(User, row.owner_id) if row.owner_id else None
    # The size is not known before DATA: an owner with no byte left is refused now.
    if owner is not None and not plans.has_room(owner, 1):
        return RcptCheck(Verdict.FULL, base)
    if row.faulty:
        fault = faults.fire([base], ("refuse_rcpt",))
        return RcptCheck(Verdict.ACCEPT, base, fault, faulty=True)
    return RcptCheck(Verdict.ACCEPT, base)


Target = tuple[str, str | None]  # a mailbox's address and the plus-address tag, if any


def targets_of(rcpt_tos: list[str]) -> list[Target]:
    """One copy per recipient mailbox and plus-address tag: name+a@d and name+b@d are two."""
    return list(dict.fromkeys(_target(r) for r in rcpt_tos))


def envelope_of(rcpt_tos: list[str], address: str) -> list[str]:
    """The envelope recipients a copy keeps: only those delivered to its own mailbox, so one
    tenant never reads another's address (a Bcc) in its copy."""
    return [addresses.normalize(r) for r in rcpt_tos if _target(r)[0] == address]


def _target(recipient: str) -> Target:
    try:
        return addresses.split_tag(recipient)
    except addresses.InvalidAddress:
        return addresses.normalize(recipient), None
