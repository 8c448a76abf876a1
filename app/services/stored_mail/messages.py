"""One stored message, as every door reads and changes it.

`open_message` is the one read: the message and its mailbox in one statement (access and
expiry checked on that row), its attachments in one more, and marking it read in a third
when asked. A message whose mailbox the principal may not read, or that has expired, looks
exactly like one that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import defaultload, selectinload, undefer
from sqlalchemy.orm.attributes import set_committed_value

from app.extensions import db
from app.mail import addresses
from app.mail.codes import Code, extract_codes
from app.models import Attachment, AttachmentNumber, Mailbox, Message, MessageChecks
from app.services.access import Principal
from app.services.errors import AttachmentNotFound, MessageNotFound
from app.services.ids import MAX_PUBLIC_ID
from app.services.mailbox_life import visibility
from app.services.stored_mail import attachment_numbers

# What access and the doors need of the message's mailbox, read with the message.
_MAILBOX = (Mailbox.address, Mailbox.local_part, Mailbox.protected, Mailbox.owner_id,
            Mailbox.token_hash, Mailbox.expires_at)


@dataclass(frozen=True)
class OpenedMessage:
    message: Message
    address: str  # its mailbox's
    owner_id: int | None  # its mailbox's owner
    numbers: dict[int, int] = field(default_factory=dict)  # attachment row id → integer id


@dataclass(frozen=True)
class _Row:  # the mailbox columns of a joined row, for access checks
    id: int
    local_part: str
    protected: bool
    owner_id: int | None
    token_hash: str | None
    expires_at: datetime | None


def open_message(public_id: int, principal: Principal, *, address: str | None = None,
                 bodies: bool = True, attachments: bool = True, numbers: bool = False,
                 raw: bool = False, mark_seen: bool = False,
                 owned_only: bool = False) -> OpenedMessage:
    """The message if the principal may read it (and it is in `address`, when given; and in a
    mailbox the principal owns, with `owned_only`). With `mark_seen` it is marked read;
    with `numbers` its attachments come with their integer ids, in the same statement."""
    if not 0 < public_id < MAX_PUBLIC_ID:
        raise MessageNotFound()
    options = [selectinload(Message.attachments)] if attachments and not numbers else []
    if bodies:
        options += [undefer(Message.text_body), undefer(Message.html_body),
                    undefer(Message.headers), undefer(Message.codes),
                    defaultload(Message.checks).undefer(MessageChecks.auth)]
    if raw:
        options.append(undefer(Message.raw))
    row = db.session.execute(
        sa.select(Message, *_MAILBOX).join(Mailbox, Mailbox.id == Message.mailbox_id)
        .where(Message.public_id == public_id).options(*options)).one_or_none()
    if row is None:
        raise MessageNotFound()
    message = row[0]
    _check(_Row(message.mailbox_id, row.local_part, row.protected, row.owner_id,
                row.token_hash, row.expires_at), row.address, principal, address, owned_only)
    found_numbers = _load_numbered_attachments(message) if numbers else {}
    if mark_seen and not message.seen:
        db.session.execute(sa.update(Message).where(Message.id == message.id)
                           .values(seen=True).execution_options(synchronize_session=False))
        db.session.commit()
        set_committed_value(message, "seen", True)
    return OpenedMessage(message, row.address, row.owner_id, found_numbers)


def codes_of(message: Message) -> list[Code]:
    """The message's one-time codes, best first: as found at delivery, or (mail stored before
    codes were kept) found now."""
    if message.codes is not None:
        return [Code(c["value"], c["context"]) for c in message.codes]
    return extract_codes(message.text_body, message.html_body, message.subject)


def _load_numbered_attachments(message: Message) -> dict[int, int]:
    rows = db.session.execute(
        sa.select(Attachment, AttachmentNumber.number)
        .outerjoin(AttachmentNumber, AttachmentNumber.attachment_id == Attachment.id)
        .where(Attachment.message_id == message.id).order_by(Attachment.id)).all()
    set_committed_value(message, "attachments", [part for part, _ in rows])
    # Mail stored before migration 0017 keeps the numbers it was given; the rest derive theirs.
    return {part.id: attachment_numbers.number_of(message.id, place) if number is None
            else number for place, (part, number) in enumerate(rows)}


@dataclass(frozen=True)
class MessageRef:
    """What a cached answer needs to know of a message it may show: one Core statement."""

    public_id: int
    seen: bool
    address: str  # its mailbox's
    auth_pending: bool  # its authentication verdicts are still to come


_PEEK = (sa.select(Message.seen, MessageChecks.auth_pending, Message.mailbox_id, *_MAILBOX)
         .join(Mailbox, Mailbox.id == Message.mailbox_id)
         .outerjoin(MessageChecks, MessageChecks.message_id == Message.id)
         .where(Message.public_id == sa.bindparam("public_id")))


def peek(public_id: int, principal: Principal, *, address: str | None = None,
         owned_only: bool = False) -> MessageRef:
    """The message's read state, checked exactly as open_message checks it."""
    if not 0 < public_id < MAX_PUBLIC_ID:
        raise MessageNotFound()
    row = db.session.connection().execute(_PEEK, {"public_id": public_id}).one_or_none()
    if row is None:
        raise MessageNotFound()
    _check(_Row(row.mailbox_id, row.local_part, row.protected, row.owner_id, row.token_hash,
                row.expires_at), row.address, principal, address, owned_only)
    return MessageRef(public_id, row.seen, row.address, bool(row.auth_pending))


def _check(mailbox: _Row, mailbox_address: str, principal: Principal, address: str | None,
           owned_only: bool) -> None:
    if (not visibility.may_open(principal, mailbox, owned_only=owned_only)
            or (address is not None and mailbox_address != addresses.normalize(address))):
        raise MessageNotFound()


def set_seen(public_id: int, principal: Principal, seen: bool = True, *,
             address: str | None = None, owned_only: bool = False) -> OpenedMessage:
    """Mark read or unread."""
    opened = open_message(public_id, principal, bodies=False, attachments=False,
                          address=address, owned_only=owned_only)
    if opened.message.seen != seen:
        opened.message.seen = seen
        db.session.commit()
    return opened


def delete_message(public_id: int, principal: Principal, *, address: str | None = None,
                   owned_only: bool = False) -> str:
    """Gone from every door; its bytes no longer count against the mailbox. Returns the
    address of the mailbox it was in."""
    opened = open_message(public_id, principal, bodies=False, attachments=False,
                          address=address, owned_only=owned_only)
    message = opened.message
    db.session.execute(sa.update(Mailbox).where(Mailbox.id == message.mailbox_id)
                       .values(used_bytes=sa.case(
                           (Mailbox.used_bytes > message.size, Mailbox.used_bytes - message.size),
                           else_=0)))
    db.session.delete(message)
    db.session.commit()
    return opened.address


def raw_source(message: Message) -> bytes:
    """The message exactly as received (doors that need it whole; others stream it with
    blobs.raw_chunks). No statement when it was opened with `raw=True`."""
    if "raw" not in sa.inspect(message).unloaded:
        return bytes(message.raw)
    return bytes(db.session.execute(
        sa.select(Message.raw).where(Message.id == message.id)).scalar_one())


def attachment(public_id: int, principal: Principal, *, attachment_id: str | None = None,
               filename: str | None = None, address: str | None = None,
               owned_only: bool = False) -> Attachment:
    """An attachment of a readable message, by its id or its (per-message unique) file
    name; its bytes load only when read (blobs.attachment_chunks streams them)."""
    opened = open_message(public_id, principal, bodies=False, address=address,
                          owned_only=owned_only)
    found = next((a for a in opened.message.attachments
                  if (attachment_id is not None and a.public_id == attachment_id)
                  or (filename is not None and a.filename == filename)), None)
    if found is None:
        raise AttachmentNotFound()
    return found


def attachment_by_number(number: int, principal: Principal) -> Attachment:
    """An attachment by its random integer (doors whose ids are integers); checked like its
    message."""
    if not 0 < number < MAX_PUBLIC_ID:
        raise AttachmentNotFound()
    row = attachment_numbers.find(number)
    if row is None:
        raise AttachmentNotFound()
    return attachment(row[1], principal, attachment_id=row[0])


def find_attachment_by_cid(message: Message, content_id: str) -> Attachment | None:
    """The inline part an HTML body names with cid: (no access check: the message was read)."""
    return next((a for a in message.attachments if a.content_id == content_id), None)
