"""An attachment's integer id, for doors whose wire format wants integers (tempmail-php).

Random below 2**53, so it is as unguessable as a message id: such a door hands out download
links that need no other credential. Kept beside the attachment, not in it: the core model
describes mail, and this is one door's need. Made the first time that door shows the
message (app.services.stored_mail.attachment_numbers), never when mail is stored.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base
from app.models.message import BigId


class AttachmentNumber(Base):
    __tablename__ = "attachment_numbers"

    number: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    attachment_id: Mapped[int] = mapped_column(
        BigId, sa.ForeignKey("attachments.id", ondelete="CASCADE"), unique=True)
