"""Shown-once secrets already taken: each one's random id, until its stash could no longer be
read anyway (app/web/shown_once.py, app/services/accounts/shown_once_marks.py)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class ShownOnceTaken(Base):
    __tablename__ = "shown_once_taken"

    # SHA-256 (hex) of the stash's random id: the id itself appears nowhere but in the cookie.
    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    # Seconds since the epoch, on shown_once's clock: past it the mark may be purged.
    expires_at: Mapped[int] = mapped_column(sa.BigInteger, index=True)
