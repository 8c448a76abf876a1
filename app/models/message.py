"""A received message, stored once per recipient mailbox, and its attachments.

Its sender checks (client IP, HELO, verdicts) live beside it in `message_checks`
(app.models.message_checks), loaded in the same statement as the message.

The bytes (raw source, attachment data) live in `blobs`, once per delivered message however
many mailboxes got a copy: every copy's row points at the same blob, and the store's triggers
(migration 0016) count the references and delete a blob with its last one.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, column_property, deferred, mapped_column, relationship

from app.models.base import NEVER_REUSE_IDS, Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from app.models.message_checks import MessageChecks

# SQLite only auto-increments a column declared exactly INTEGER PRIMARY KEY.
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


class Blob(Base):
    """Stored bytes shared by the copies of one delivered message (never by two deliveries,
    so no other transaction can take a reference to a blob while its last one goes)."""

    __tablename__ = "blobs"
    __table_args__ = NEVER_REUSE_IDS

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    data: Mapped[bytes] = deferred(mapped_column(sa.LargeBinary))
    # How many messages and attachments point here: kept by triggers, never by the app.
    refs: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")


def _bytes_of(blob_id: Mapped[int | None]) -> Any:
    """The blob's bytes as a deferred, read-only attribute (`undefer` loads it in the same
    statement; None when there is no blob)."""
    return column_property(sa.select(Blob.data).where(Blob.id == blob_id)
                           .correlate_except(Blob).scalar_subquery(), deferred=True)


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (
        # "A mailbox's messages, newest first, by cursor" walks this index backwards.
        sa.Index("ix_messages_mailbox_id_id", "mailbox_id", "id"),
        # "This run's messages": one mailbox, one plus-address tag, newest first.
        sa.Index("ix_messages_mailbox_id_tag_id", "mailbox_id", "tag", "id"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # What every door shows: random, below 2**53 so JavaScript reads it exactly.
    public_id: Mapped[int] = mapped_column(sa.BigInteger, unique=True)
    mailbox_id: Mapped[int] = mapped_column(sa.ForeignKey("mailboxes.id", ondelete="CASCADE"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    envelope_from: Mapped[str] = mapped_column(sa.String(512), default="")
    envelope_to: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # The plus-address it was sent to (signup+test_42@… → "test_42"), lower-cased; None without.
    tag: Mapped[str | None] = mapped_column(sa.String(64))
    from_name: Mapped[str] = mapped_column(sa.String(512), default="")
    from_addr: Mapped[str] = mapped_column(sa.String(512), default="")
    to_addrs: Mapped[list[dict[str, str]]] = mapped_column(sa.JSON, default=list)
    cc_addrs: Mapped[list[dict[str, str]]] = mapped_column(sa.JSON, default=list)
    subject: Mapped[str] = mapped_column(sa.Text, default="")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    preview: Mapped[str] = mapped_column(sa.String(255), default="")
    size: Mapped[int] = mapped_column(default=0)
    seen: Mapped[bool] = mapped_column(default=False)
    has_attachments: Mapped[bool] = mapped_column(default=False)
    # Bodies and the raw source stay out of list queries.
    text_body: Mapped[str] = deferred(mapped_column(sa.Text, default=""))
    html_body: Mapped[str] = deferred(mapped_column(sa.Text, default=""))
    headers: Mapped[list[list[str]]] = deferred(mapped_column(sa.JSON, default=list))
    # One-time codes found at delivery ([{"value", "context"}], best first); None for mail
    # stored before they were kept.
    codes: Mapped[list[dict[str, str]] | None] = deferred(mapped_column(sa.JSON))
    # The raw source, in a blob shared with the other copies (the old `raw` column stays in
    # the table, empty: see migration 0016).
    blob_id: Mapped[int | None] = mapped_column(sa.ForeignKey("blobs.id"))
    raw: Mapped[bytes] = _bytes_of(blob_id)

    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="message", cascade="all, delete-orphan", passive_deletes=True,
        order_by="Attachment.id")
    # Joined into every statement that loads a message: a list shows verdicts without a
    # query per message. None for mail that was never checked.
    checks: Mapped[MessageChecks | None] = relationship(
        lazy="joined", cascade="all, delete-orphan", passive_deletes=True)

    @property
    def auth_pending(self) -> bool:
        """Whether its sender-check verdicts are still to come."""
        return self.checks is not None and self.checks.auth_pending

    @property
    def auth(self) -> dict[str, Any] | None:
        """Its sender-check verdicts, None until they come (or when never checked)."""
        return self.checks.auth if self.checks is not None else None


class Attachment(Base):
    __tablename__ = "attachments"
    __table_args__ = NEVER_REUSE_IDS

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # Unguessable: some doors hand out download links that need no other credential.
    public_id: Mapped[str] = mapped_column(sa.String(32), unique=True)
    message_id: Mapped[int] = mapped_column(sa.ForeignKey("messages.id", ondelete="CASCADE"),
                                            index=True)
    filename: Mapped[str] = mapped_column(sa.String(255))
    content_type: Mapped[str] = mapped_column(sa.String(255))
    size: Mapped[int] = mapped_column(default=0)
    content_id: Mapped[str | None] = mapped_column(sa.String(255))
    inline: Mapped[bool] = mapped_column(default=False)
    # Its bytes, in a blob shared with the same attachment of the message's other copies.
    blob_id: Mapped[int | None] = mapped_column(sa.ForeignKey("blobs.id"))
    data: Mapped[bytes] = _bytes_of(blob_id)

    message: Mapped[Message] = relationship(back_populates="attachments")
