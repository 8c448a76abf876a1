"""A mailbox that is also an account: it signs in with a password and gets JWTs (the
tempemail and mail.tm doors). The mailbox itself stays a mailbox; this row adds the login."""

from __future__ import annotations

import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime, utcnow


def new_token_key() -> str:
    return secrets.token_urlsafe(24)


class MailboxAccount(Base):
    __tablename__ = "mailbox_accounts"

    mailbox_id: Mapped[int] = mapped_column(
        sa.ForeignKey("mailboxes.id", ondelete="CASCADE"), primary_key=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    # Every JWT names it; a token whose key is not the account's current one is refused, so a
    # token can never open an account created later, whatever id that account gets.
    token_key: Mapped[str] = mapped_column(sa.String(64), default=new_token_key)
    # An admin can disable an account: its sign-ins and tokens are refused (403).
    disabled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
