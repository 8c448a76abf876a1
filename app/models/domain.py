"""A domain Mayfly receives mail for."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import NEVER_REUSE_IDS, Base, UTCDateTime, utcnow


class Domain(Base):
    __tablename__ = "domains"
    __table_args__ = NEVER_REUSE_IDS

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(253), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    # free, premium or custom: which plans may create mailboxes here.
    kind: Mapped[str] = mapped_column(sa.String(16), default="free")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
