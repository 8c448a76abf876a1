"""Domain errors. Each carries a machine code and a message; doors map them to statuses."""

from __future__ import annotations


class MayflyError(Exception):
    code = "error"
    message = "Something went wrong."

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.message)
        self.message = message or self.message


class NotFound(MayflyError):
    code = "not_found"
    message = "Not found."


class MailboxNotFound(NotFound):
    code = "mailbox_not_found"
    message = "No such mailbox."


class MessageNotFound(NotFound):
    code = "message_not_found"
    message = "No such message."


class AttachmentNotFound(NotFound):
    code = "attachment_not_found"
    message = "No such attachment."


class Unauthorized(MayflyError):
    code = "unauthorized"
    message = "Missing or invalid credentials."


class ReservedAddress(MayflyError):
    code = "reserved"
    message = "That address is reserved."


class AddressTaken(MayflyError):
    code = "taken"
    message = "That address is already taken."


class InvalidInput(MayflyError):
    code = "invalid"
    message = "The request is not valid."


class UnknownDomain(InvalidInput):
    code = "unknown_domain"
    message = "Mayfly does not receive mail for that domain."


class QuotaExceeded(MayflyError):
    code = "quota_exceeded"
    message = "The mailbox is full."


class EmailTaken(AddressTaken):
    code = "email_taken"
    message = "An account with that email already exists."


class PlanLimit(QuotaExceeded):
    code = "plan_limit"
    message = "Your plan does not allow that."


class RequestQuotaExhausted(MayflyError):
    code = "quota_exhausted"
    message = "This period's API requests are used up."

    def __init__(self, retry_after: int, message: str | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Forbidden(MayflyError):
    code = "forbidden"
    message = "Not allowed."
