"""Faults on demand, per mailbox: a user makes the next N deliveries to one of their mailboxes
fail in a chosen way, to test the retry code of the system that sends them mail.

- refuse_rcpt: RCPT answers `code` (4xx or 5xx); nothing is stored.
- refuse_data: the message is read, then answered `code`; nothing is stored.
- delay: the message is stored and the final reply held `seconds` (at most 300).
- drop: the connection is closed in the middle of DATA (the message sent, no reply yet);
  nothing is stored.

A delivery meets at most one rule at DATA: the SMTP door asks once, when the message has
arrived whole (`fire_at_data`). Each rule counts down one per delivery it fires on and
reports how often it fired and when last; at zero it stops. A rule touches only its
mailbox, so parallel test runs against different mailboxes never disturb each other. Firing
is one atomic update, so two SMTP processes never fire the same countdown step twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import sqlalchemy as sa

from app.extensions import db
from app.mail import addresses
from app.models import FaultRule, Mailbox
from app.models.base import utcnow
from app.services.errors import InvalidInput, NotFound
from app.services.mailbox_life import visibility

KINDS = ("refuse_rcpt", "refuse_data", "delay", "drop")
# The kinds that act on DATA, the first live one winning: a dropped connection hears no
# refusal, and a refused message is never stored for a delay to hold its reply.
DATA_KINDS = ("drop", "refuse_data", "delay")
MAX_RULES = 20
MAX_COUNT = 1000
MAX_DELAY = 300


@dataclass(frozen=True)
class Fault:
    kind: str
    code: int | None
    seconds: int | None


def _owned(user_id: int, address: str) -> int:
    mailbox_id = db.session.execute(sa.select(Mailbox.id).where(
        Mailbox.address == addresses.normalize(address),
        visibility.belongs_to(user_id))).scalar_one_or_none()
    if mailbox_id is None:
        raise NotFound("You own no such mailbox.")
    return int(mailbox_id)


def add(user_id: int, address: str, *, kind: str, count: int = 1, code: int | None = None,
        seconds: int | None = None) -> FaultRule:
    """A new rule on a mailbox the user owns; InvalidInput says what is wrong."""
    mailbox_id = _owned(user_id, address)
    if kind not in KINDS:
        raise InvalidInput(f"kind is one of {', '.join(KINDS)}.")
    if not 1 <= count <= MAX_COUNT:
        raise InvalidInput(f"count is from 1 to {MAX_COUNT}.")
    if kind.startswith("refuse") and (code is None or not 400 <= code <= 599):
        raise InvalidInput("A refusal needs a code from 400 to 599.")
    if kind == "delay" and (seconds is None or not 1 <= seconds <= MAX_DELAY):
        raise InvalidInput(f"A delay needs seconds from 1 to {MAX_DELAY}.")
    existing = db.session.execute(sa.select(sa.func.count()).select_from(FaultRule).where(
        FaultRule.mailbox_id == mailbox_id)).scalar_one()
    if existing >= MAX_RULES:
        raise InvalidInput(f"A mailbox has at most {MAX_RULES} rules; delete one first.")
    rule = FaultRule(mailbox_id=mailbox_id, kind=kind, remaining=count, fired=0,
                     code=code if kind.startswith("refuse") else None,
                     seconds=seconds if kind == "delay" else None)
    db.session.add(rule)
    db.session.commit()
    return rule


def rules(user_id: int, address: str) -> list[FaultRule]:
    """The mailbox's rules, oldest first, spent ones included (they report what they did)."""
    mailbox_id = _owned(user_id, address)
    return list(db.session.execute(sa.select(FaultRule).where(
        FaultRule.mailbox_id == mailbox_id).order_by(FaultRule.id)).scalars())


def remove(user_id: int, address: str, rule_id: int) -> None:
    mailbox_id = _owned(user_id, address)
    gone = cast(sa.CursorResult[Any], db.session.execute(sa.delete(FaultRule).where(
        FaultRule.id == rule_id, FaultRule.mailbox_id == mailbox_id)))
    db.session.commit()
    if not gone.rowcount:
        raise NotFound("No such rule.")


def fire(mailbox_addresses: list[str], kinds: tuple[str, ...]) -> Fault | None:
    """At a step of a delivery: the first live rule of these kinds on these mailboxes fires
    (counted down, in its own short transaction), or None. Kinds earlier in `kinds` come
    first; rules of one kind, oldest first."""
    candidates = db.session.execute(
        sa.select(FaultRule.id, FaultRule.kind, FaultRule.code, FaultRule.seconds)
        .join(Mailbox, Mailbox.id == FaultRule.mailbox_id)
        .where(Mailbox.address.in_(mailbox_addresses), FaultRule.kind.in_(kinds),
               FaultRule.remaining > 0).order_by(FaultRule.id)).all()
    # A few rules a mailbox (MAX_RULES): put in the order of `kinds` here, not by a CASE in
    # SQL; the sort is stable, so the oldest rule of a kind stays first.
    for rule_id, kind, code, seconds in sorted(candidates, key=lambda r: kinds.index(r.kind)):
        fired = cast(sa.CursorResult[Any], db.session.execute(
            sa.update(FaultRule).where(FaultRule.id == rule_id, FaultRule.remaining > 0)
            .values(remaining=FaultRule.remaining - 1, fired=FaultRule.fired + 1,
                    last_fired_at=utcnow())))
        db.session.commit()
        if fired.rowcount:
            return Fault(kind, code, seconds)
    db.session.rollback()
    return None


def fire_at_data(mailbox_addresses: list[str]) -> Fault | None:
    """The one rule (of DATA_KINDS) that fires for a transaction to these mailboxes once
    its message has arrived, or None."""
    return fire(mailbox_addresses, DATA_KINDS)


def any_for(mailbox_addresses: list[str]) -> bool:
    """Whether any of these mailboxes has a live rule (a cheap look before the DATA phase)."""
    return db.session.execute(sa.select(FaultRule.id).join(
        Mailbox, Mailbox.id == FaultRule.mailbox_id).where(
        Mailbox.address.in_(mailbox_addresses), FaultRule.remaining > 0).limit(1)
    ).first() is not None
