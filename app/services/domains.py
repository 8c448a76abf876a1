"""Domains Mayfly receives mail for."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Domain
from app.services.context import settings


def sync_configured() -> None:
    """Make every domain in MAIL_DOMAINS exist and be active. Safe to run from many processes."""
    for name in settings().mail_domains:
        domain = db.session.execute(sa.select(Domain).filter_by(name=name)).scalar_one_or_none()
        if domain is None:
            db.session.add(Domain(name=name, active=True))
        try:
            db.session.commit()
        except IntegrityError:  # another process inserted it first
            db.session.rollback()


def list_active() -> list[Domain]:
    """Active domains, the configured default first."""
    domains = db.session.execute(
        sa.select(Domain).where(Domain.active.is_(True)).order_by(Domain.id)).scalars().all()
    default = settings().default_domain
    return sorted(domains, key=lambda d: (d.name != default, d.id))


def find_active(name: str) -> Domain | None:
    return db.session.execute(
        sa.select(Domain).where(Domain.name == name.lower(), Domain.active.is_(True))
    ).scalar_one_or_none()


def default_name() -> str:
    """The configured default domain, or the first active one if it was disabled."""
    active = list_active()
    return active[0].name if active else settings().default_domain
