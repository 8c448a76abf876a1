"""A registered user, who owns mailboxes and API keys, on a plan."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime, utcnow


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    is_admin: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Bumped by a password change: every other signed-in session ends.
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")
    # Plan limits an admin set for this user; None means the configured default.
    plan_requests: Mapped[int | None] = mapped_column()
    plan_mailboxes: Mapped[int | None] = mapped_column()
    plan_storage: Mapped[int | None] = mapped_column(sa.BigInteger)
    plan_domain_types: Mapped[str | None] = mapped_column(sa.String(64))
