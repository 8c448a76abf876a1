"""The store's tables, as SQLAlchemy 2.0 typed models."""

from app.models.api_key import ApiKey
from app.models.attachment_number import AttachmentNumber
from app.models.base import Base
from app.models.domain import Domain
from app.models.fault_rule import FaultRule
from app.models.mailbox import Mailbox
from app.models.mailbox_account import MailboxAccount
from app.models.message import Attachment, Blob, Message
from app.models.message_checks import MessageChecks
from app.models.shown_once_taken import ShownOnceTaken
from app.models.usage import UsageDay
from app.models.user import User
from app.models.webhook import Webhook, WebhookDelivery

__all__ = ["ApiKey", "Attachment", "AttachmentNumber", "Base", "Blob", "Domain", "FaultRule",
           "Mailbox", "MailboxAccount", "Message", "MessageChecks", "ShownOnceTaken", "UsageDay",
           "User", "Webhook", "WebhookDelivery"]
