"""The store's tables, as SQLAlchemy 2.0 typed models."""

from app.models.base import Base
from app.models.domain import Domain
from app.models.mailbox import Mailbox
from app.models.message import Attachment, Message
from app.models.user import User

__all__ = ["Attachment", "Base", "Domain", "Mailbox", "Message", "User"]
