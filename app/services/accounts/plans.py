"""Plans, and what users use of them: mailboxes at once, stored bytes, domain types, and (with
app.services.accounts.request_counts) API requests a month."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

from app.extensions import db
from app.models import Domain, Mailbox, User
from app.models.base import utcnow
from app.services.accounts import request_counts
from app.services.accounts.request_counts import RequestQuota
from app.services.context import settings
from app.services.errors import PlanLimit
from app.services.mailbox_life import visibility

CHART_DAYS = 30


@dataclass(frozen=True)
class Plan:
    requests: int
    mailboxes: int
    storage: int
    domain_types: tuple[str, ...]


@dataclass(frozen=True)
class QuotaStatus:
    plan: Plan
    requests: RequestQuota
    storage_used: int
    mailboxes_used: int
    days: list[tuple[date, int]]


def plan_for(user: User) -> Plan:
    """The user's limits: an admin's own values, else the configured defaults."""
    config = settings()
    return Plan(
        requests=config.plan_requests if user.plan_requests is None else user.plan_requests,
        mailboxes=config.plan_mailboxes if user.plan_mailboxes is None else user.plan_mailboxes,
        storage=config.plan_storage if user.plan_storage is None else user.plan_storage,
        domain_types=tuple(user.plan_domain_types.split(",")) if user.plan_domain_types
        else config.plan_domain_types,
    )


def storage_used(user_id: int) -> int:
    return int(db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(Mailbox.used_bytes), 0))
        .where(visibility.belongs_to(user_id))).scalar_one())


def mailboxes_used(user_id: int) -> int:
    return int(db.session.execute(
        sa.select(sa.func.count()).select_from(Mailbox).where(visibility.belongs_to(user_id))
    ).scalar_one())


def has_room(user: User, size: int, *, used: int | None = None) -> bool:
    """Whether the user's mailboxes can hold `size` more bytes: the one owner-storage rule.

    The RCPT step asks it for one byte (the size is not known yet); a delivery batch asks it
    for each message's copies, passing as `used` what it counted itself (the stored bytes
    plus its own copies so far). Without `used`, the stored bytes are counted now."""
    stored = storage_used(user.id) if used is None else used
    return stored + size <= plan_for(user).storage


def check_new_mailbox(user: User, domain: Domain) -> None:
    """Raise PlanLimit when the user may not own one more mailbox at this domain."""
    plan = plan_for(user)
    if domain.kind not in plan.domain_types:
        raise PlanLimit(f"Your plan does not include {domain.kind} domains.")
    if mailboxes_used(user.id) >= plan.mailboxes:
        raise PlanLimit(f"Your plan allows {plan.mailboxes} mailboxes at once.")


def check_request(user: User) -> RequestQuota:
    """Before an API call: the month's quota so far, or RequestQuotaExhausted."""
    return request_counts.check(user.id, plan_for(user).requests)


def request_quota(user: User) -> RequestQuota:
    return request_counts.this_month(user.id, plan_for(user).requests)


def status(user: User) -> QuotaStatus:
    """Everything the dashboard shows of the user's quota."""
    today = utcnow().date()
    days = [today - timedelta(days=i) for i in range(CHART_DAYS - 1, -1, -1)]
    return QuotaStatus(plan=plan_for(user), requests=request_quota(user),
                       storage_used=storage_used(user.id), mailboxes_used=mailboxes_used(user.id),
                       days=list(zip(days, request_counts.store().counts(user.id, days),
                                     strict=True)))
