"""A message's sender checks, one row beside its message: where the mail came from (the
client's IP and HELO name), whether its SPF, DKIM, DMARC and ARC verdicts are still to come,
and the verdicts once they are in.

Kept apart from `messages`, which every list reads: a verdict arriving rewrites this small
row, not the message's, and mail that was never checked has no row at all.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, deferred, mapped_column

from app.models.base import Base, UTCDateTime
from app.models.message import BigId


class MessageChecks(Base):
    __tablename__ = "message_checks"
    __table_args__ = (
        # The evaluator's queue (app.services.checks.auth_results): only pending rows.
        sa.Index("ix_message_checks_auth_pending", "message_id",
                 sqlite_where=sa.text("auth_pending"), postgresql_where=sa.text("auth_pending")),
    )

    message_id: Mapped[int] = mapped_column(
        BigId, sa.ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True,
        autoincrement=False)
    # The message's mailbox, copied from it (a message never moves): the store's triggers
    # count pending checks on the mailbox row from this row alone, even when a cascade has
    # already deleted the message (migration 0017).
    mailbox_id: Mapped[int] = mapped_column(sa.Integer)
    # Who handed the message over, for SPF.
    client_ip: Mapped[str | None] = mapped_column(sa.String(45))
    helo: Mapped[str | None] = mapped_column(sa.String(255))
    auth_pending: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    auth_claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The full verdicts (what the page and the API show); the four words below are what
    # listings filter on.
    auth: Mapped[dict[str, Any] | None] = deferred(mapped_column(sa.JSON))
    auth_spf: Mapped[str | None] = mapped_column(sa.String(16))
    auth_dkim: Mapped[str | None] = mapped_column(sa.String(16))
    auth_dmarc: Mapped[str | None] = mapped_column(sa.String(16))
    auth_arc: Mapped[str | None] = mapped_column(sa.String(16))
