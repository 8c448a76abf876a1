"""A mailbox: one address, public or protected, with an expiry."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import NEVER_REUSE_IDS, Base, UTCDateTime, utcnow
from app.models.domain import Domain


class Mailbox(Base):
    __tablename__ = "mailboxes"
    __table_args__ = NEVER_REUSE_IDS

    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(sa.String(320), unique=True)
    local_part: Mapped[str] = mapped_column(sa.String(64))
    domain_id: Mapped[int] = mapped_column(sa.ForeignKey("domains.id", ondelete="CASCADE"),
                                           index=True)
    # Protected: only the owner or a token holder reads it; public: anyone with the address.
    protected: Mapped[bool] = mapped_column(default=False)
    owner_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # None: never expires. Indexed so the purge finds what expired without a scan.
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    used_bytes: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    # Kept by triggers on messages (migration 0013), whatever writes a message: a mailbox's
    # state is read from its row, never counted over its mail. change_count moves with
    # every arrival, deletion, read flag and verdict.
    message_count: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")
    unread_count: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")
    pending_count: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")
    change_count: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")

    domain: Mapped[Domain] = relationship(lazy="joined")
