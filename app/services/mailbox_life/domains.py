"""Domains Mayfly receives mail for."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.config_values import DOMAIN_TYPES, parse_domains
from app.extensions import db
from app.models import Domain
from app.services.context import settings
from app.services.errors import AddressTaken, InvalidInput, NotFound


def sync_configured() -> None:
    """Add every domain in MAIL_DOMAINS that is missing. Safe to run from many processes.

    A domain an admin disabled stays disabled: configuration adds, it does not override.
    """
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


def list_all() -> list[Domain]:
    return list(db.session.execute(sa.select(Domain).order_by(Domain.name)).scalars())


def add_domain(name: str, kind: str = "free") -> Domain:
    """A new active domain (admins)."""
    try:
        (name,) = parse_domains(name)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    if kind not in DOMAIN_TYPES:
        raise InvalidInput(f"A domain type is one of {', '.join(DOMAIN_TYPES)}.")
    domain = Domain(name=name, kind=kind, active=True)
    db.session.add(domain)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise AddressTaken(f"{name} is already a domain.") from None
    return domain


def update_domain(name: str, *, active: bool | None = None, kind: str | None = None) -> Domain:
    """Enable, disable or retype a domain; a disabled one stops receiving at once."""
    domain = db.session.execute(
        sa.select(Domain).filter_by(name=name.strip().lower())).scalar_one_or_none()
    if domain is None:
        raise NotFound(f"No domain {name!r}.")
    if kind is not None:
        if kind not in DOMAIN_TYPES:
            raise InvalidInput(f"A domain type is one of {', '.join(DOMAIN_TYPES)}.")
        domain.kind = kind
    if active is not None:
        domain.active = active
    db.session.commit()
    return domain
