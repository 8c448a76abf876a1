"""Stored messages, as every door reads and changes them.

A message whose mailbox the principal may not read, or that has expired, looks exactly
like one that does not exist.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.orm import selectinload, undefer

from app.extensions import db
from app.models import Attachment, Mailbox, Message
from app.models.base import utcnow
from app.services import changes, mailboxes
from app.services.access import Principal, can_read
from app.services.errors import (
    AttachmentNotFound,
    InvalidInput,
    MailboxNotFound,
    MessageNotFound,
)

MAX_PAGE = 100
MAX_WAIT_SECONDS = 60
WAKE_EVERY_SECONDS = 2.0


# What a list shows of each message: plain rows, no ORM objects (lists are the hot path).
SUMMARY = (Message.public_id, Message.from_name, Message.from_addr, Message.subject,
           Message.received_at, Message.size, Message.seen, Message.has_attachments,
           Message.preview)


class Summary(Protocol):
    public_id: int
    from_name: str
    from_addr: str
    subject: str
    received_at: datetime
    size: int
    seen: bool
    has_attachments: bool
    preview: str


@dataclass(frozen=True)
class Page:
    items: list[Summary]
    next_cursor: int | None  # public id of the last item when more follow


def list_messages(address: str, principal: Principal, *, limit: int = 50,
                  cursor: int | None = None, since: int | None = None,
                  subject: str | None = None, sender: str | None = None) -> Page:
    """Newest first; `cursor` continues after a message, `since` keeps only newer ones;
    `subject` and `sender` keep those whose subject, or From name or address, contain them."""
    mailbox_id = mailboxes.readable_id(address, principal)
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"limit must be between 1 and {MAX_PAGE}.")
    query = (sa.select(*SUMMARY).where(Message.mailbox_id == mailbox_id)
             .order_by(Message.id.desc()).limit(limit + 1))
    if cursor is not None:
        query = query.where(Message.id < _internal_id(mailbox_id, cursor))
    if since is not None:
        query = query.where(Message.id > _internal_id(mailbox_id, since))
    if subject:
        query = query.where(Message.subject.icontains(subject, autoescape=True))
    if sender:
        query = query.where(Message.from_addr.icontains(sender, autoescape=True)
                            | Message.from_name.icontains(sender, autoescape=True))
    rows = list(db.session.execute(query).all())
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, rows[-1].public_id if more and rows else None)


def wait_for_messages(address: str, principal: Principal, *, wait: float, limit: int = 50,
                      since: int | None = None, subject: str | None = None,
                      sender: str | None = None,
                      gone: Callable[[], bool] = lambda: False) -> Page:
    """Like list_messages, but holds until something newer than `since` arrives, time runs
    out, the caller is `gone`, or the process stops.

    An address nobody has used yet, that would become a public mailbox, is waited on too.
    It asks the store, not process memory, so it sees mail from every SMTP process.
    """
    deadline = time.monotonic() + min(max(wait, 0), MAX_WAIT_SECONDS)
    mailbox_id = mailboxes.waitable_id(address, principal)
    if mailbox_id is None and since is not None:
        raise InvalidInput("Unknown cursor.")
    with changes.watcher().subscribe(mailbox_id) as news:
        while True:
            page = Page([], None)
            if mailbox_id is None:
                mailbox_id = mailboxes.waitable_id(address, principal)
            if mailbox_id is not None:
                page = list_messages(address, principal, limit=limit, since=since,
                                     subject=subject, sender=sender)
            remaining = deadline - time.monotonic()
            if page.items or remaining <= 0 or news.closed or gone():
                return page
            end_read()  # the next look must see what others committed meanwhile
            # Sleep until mail reaches this mailbox (one watcher per process), then look;
            # wake every few seconds anyway to notice a caller that went away.
            news.wait(min(remaining, WAKE_EVERY_SECONDS))


def end_read() -> None:
    """Close this thread's read transaction, so the next look sees what others committed."""
    db.session.remove()


def newest_id(address: str, principal: Principal) -> int | None:
    """The public id of the newest message: a cheap freshness check for polling."""
    mailbox_id = mailboxes.readable_id(address, principal)
    return db.session.execute(
        sa.select(Message.public_id).where(Message.mailbox_id == mailbox_id)
        .order_by(Message.id.desc()).limit(1)).scalar_one_or_none()


# One Core round trip, no ORM objects: every open browser tab runs this every few seconds.
_VERSION_QUERY = (
    sa.select(Mailbox.id, Mailbox.local_part, Mailbox.protected, Mailbox.owner_id,
              Mailbox.token_hash, Mailbox.expires_at,
              sa.func.count(Message.id), sa.func.max(Message.id),
              sa.func.sum(sa.case((Message.seen.is_(False), 1), else_=0)))
    .select_from(sa.outerjoin(Mailbox, Message, Message.mailbox_id == Mailbox.id))
    .where(Mailbox.address == sa.bindparam("address"))
    .group_by(Mailbox.id)
)


def inbox_version(address: str, principal: Principal) -> str:
    """Changes whenever the list would: a message arrives, is deleted, or is read or unread."""
    row = db.session.connection().execute(
        _VERSION_QUERY, {"address": address.strip().lower()}).one_or_none()
    if row is None or (row.expires_at is not None and row.expires_at <= utcnow()) \
            or not can_read(principal, row):
        raise MailboxNotFound()
    total, newest, unread = row[6:]
    return f"{total}-{newest or 0}-{unread or 0}"


def count_unread(address: str, principal: Principal) -> int:
    mailbox_id = mailboxes.readable_id(address, principal)
    return db.session.execute(
        sa.select(sa.func.count()).select_from(Message)
        .where(Message.mailbox_id == mailbox_id, Message.seen.is_(False))).scalar_one()


def _internal_id(mailbox_id: int, public_id: int) -> int:
    if not 0 < public_id < MAX_PUBLIC_ID:
        raise InvalidInput("Unknown cursor.")
    found = db.session.execute(
        sa.select(Message.id).where(Message.mailbox_id == mailbox_id,
                                    Message.public_id == public_id)).scalar_one_or_none()
    if found is None:
        raise InvalidInput("Unknown cursor.")
    return found


MAX_PUBLIC_ID = 2**53  # ids are below it; anything larger names nothing (and would overflow)


def get_message(public_id: int, principal: Principal, *, bodies: bool = True) -> Message:
    """One message with its attachments' metadata (and its bodies unless told otherwise)."""
    if not 0 < public_id < MAX_PUBLIC_ID:
        raise MessageNotFound()
    options = [selectinload(Message.attachments)]
    if bodies:
        options += [undefer(Message.text_body), undefer(Message.html_body),
                    undefer(Message.headers)]
    message = db.session.execute(
        sa.select(Message).where(Message.public_id == public_id).options(*options)
    ).scalar_one_or_none()
    if message is None:
        raise MessageNotFound()
    mailbox = db.session.get(Mailbox, message.mailbox_id)
    expired = mailbox is None or (mailbox.expires_at is not None
                                  and mailbox.expires_at <= utcnow())
    if expired or not can_read(principal, mailbox):
        raise MessageNotFound()
    return message


def mailbox_of(message: Message) -> Mailbox:
    mailbox = db.session.get(Mailbox, message.mailbox_id)
    assert mailbox is not None  # noqa: S101 - foreign key guarantees it
    return mailbox


def set_seen(public_id: int, principal: Principal, seen: bool = True) -> Message:
    """Mark read or unread."""
    message = get_message(public_id, principal, bodies=False)
    message.seen = seen
    db.session.commit()
    return message


def delete_message(public_id: int, principal: Principal) -> None:
    """Gone from every door; its bytes no longer count against the mailbox."""
    message = get_message(public_id, principal, bodies=False)
    db.session.execute(sa.update(Mailbox).where(Mailbox.id == message.mailbox_id)
                       .values(used_bytes=sa.case(
                           (Mailbox.used_bytes > message.size, Mailbox.used_bytes - message.size),
                           else_=0)))
    db.session.delete(message)
    db.session.commit()


def readable_message(public_id: int, principal: Principal) -> Message:
    """The message without its bodies, for streaming its raw source (blobs.raw_chunks)."""
    return get_message(public_id, principal, bodies=False)


def raw_source(public_id: int, principal: Principal) -> bytes:
    """The message exactly as received."""
    message = get_message(public_id, principal, bodies=False)
    return db.session.execute(
        sa.select(Message.raw).where(Message.id == message.id)).scalar_one()


def get_attachment(message_id: int, attachment_id: str, principal: Principal) -> Attachment:
    """An attachment of a readable message; its bytes load only when read (or use
    blobs.attachment_chunks to stream them)."""
    message = get_message(message_id, principal, bodies=False)
    attachment = db.session.execute(
        sa.select(Attachment).where(Attachment.message_id == message.id,
                                    Attachment.public_id == attachment_id)).scalar_one_or_none()
    if attachment is None:
        raise AttachmentNotFound()
    return attachment


def list_all(address: str, principal: Principal, *, oldest_first: bool = False,
             limit: int = 1000) -> list[Message]:
    """Every message of a mailbox (up to `limit`), for doors that do not page."""
    mailbox = mailboxes.get_mailbox(address, principal)
    order = Message.id.asc() if oldest_first else Message.id.desc()
    return list(db.session.execute(
        sa.select(Message).where(Message.mailbox_id == mailbox.id)
        .options(selectinload(Message.attachments)).order_by(order).limit(limit)).scalars())


def get_message_in(address: str, public_id: int, principal: Principal, *,
                   bodies: bool = True) -> Message:
    """A message that belongs to this mailbox (doors that name both)."""
    mailbox = mailboxes.get_mailbox(address, principal)
    message = get_message(public_id, principal, bodies=bodies)
    if message.mailbox_id != mailbox.id:
        raise MessageNotFound()
    return message


def get_attachment_by_name(message_id: int, filename: str, principal: Principal) -> Attachment:
    """An attachment by its (per-message unique) file name, with its bytes."""
    message = get_message(message_id, principal, bodies=False)
    attachment = next((a for a in message.attachments if a.filename == filename), None)
    if attachment is None:
        raise AttachmentNotFound()
    return get_attachment(message_id, attachment.public_id, principal)


def get_attachment_by_number(number: int, principal: Principal) -> tuple[Message, Attachment]:
    """An attachment by its random integer id, with its message; checked like its message."""
    if not 0 < number < MAX_PUBLIC_ID:
        raise AttachmentNotFound()
    row = db.session.execute(
        sa.select(Attachment.public_id, Message.public_id).join(Message)
        .where(Attachment.number == number)).one_or_none()
    if row is None:
        raise AttachmentNotFound()
    attachment_id, message_id = row
    return (get_message(message_id, principal, bodies=False),
            get_attachment(message_id, attachment_id, principal))


def find_attachment_by_cid(message: Message, content_id: str) -> Attachment | None:
    """The inline part an HTML body names with cid: (no access check: the message was read)."""
    return next((a for a in message.attachments if a.content_id == content_id), None)
