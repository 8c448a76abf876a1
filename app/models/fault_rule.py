"""A fault a user set on one of their mailboxes, for testing their own retry code: the next
`remaining` deliveries are refused, delayed or cut off (app.services.ingest.faults)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import NEVER_REUSE_IDS, Base, UTCDateTime, utcnow


class FaultRule(Base):
    __tablename__ = "fault_rules"
    __table_args__ = NEVER_REUSE_IDS

    id: Mapped[int] = mapped_column(primary_key=True)
    mailbox_id: Mapped[int] = mapped_column(
        sa.ForeignKey("mailboxes.id", ondelete="CASCADE"), index=True)
    # refuse_rcpt, refuse_data, delay or drop
    kind: Mapped[str] = mapped_column(sa.String(16))
    code: Mapped[int | None] = mapped_column()  # the SMTP reply code a refusal gives
    seconds: Mapped[int | None] = mapped_column()  # how long a delay holds the final reply
    remaining: Mapped[int] = mapped_column()
    fired: Mapped[int] = mapped_column(default=0)
    last_fired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
