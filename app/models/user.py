"""A registered user, who owns mailboxes and API keys, on a plan."""

from __future__ import annotations

import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import NEVER_REUSE_IDS, Base, UTCDateTime, utcnow


def new_session_secret() -> str:
    return secrets.token_urlsafe(32)


class User(Base):
    __tablename__ = "users"
    __table_args__ = NEVER_REUSE_IDS

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    is_admin: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Every signed-in session carries it; a new one at logout, password change or reset ends
    # every session issued before, and a deleted user's sessions die with the row.
    session_secret: Mapped[str] = mapped_column(sa.String(64), default=new_session_secret)
    # Plan limits an admin set for this user; None means the configured default.
    plan_requests: Mapped[int | None] = mapped_column()
    plan_mailboxes: Mapped[int | None] = mapped_column()
    plan_storage: Mapped[int | None] = mapped_column(sa.BigInteger)
    plan_domain_types: Mapped[str | None] = mapped_column(sa.String(64))
