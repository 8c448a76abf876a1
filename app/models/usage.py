"""API requests a user made, counted per UTC day (the embedded counter store)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class UsageDay(Base):
    __tablename__ = "usage_days"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    requests: Mapped[int] = mapped_column(default=0)
