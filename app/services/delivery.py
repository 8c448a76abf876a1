"""Incoming mail: who may receive it, and storing it (one copy per recipient mailbox)."""

from __future__ import annotations

import enum

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.mail import addresses, mime
from app.models import Attachment, Mailbox, Message, User
from app.models.base import utcnow
from app.services import domains, quota
from app.services.context import settings
from app.services.errors import QuotaExceeded, UnknownDomain
from app.services.secrets import new_attachment_id, new_public_id


class Verdict(enum.Enum):
    ACCEPT = "accept"
    INVALID = "invalid"
    UNKNOWN_DOMAIN = "unknown_domain"
    EXPIRED = "expired"
    FULL = "full"


def check_recipient(address: str) -> Verdict:
    """Whether mail to this address would be stored (the SMTP RCPT step)."""
    try:
        _local, domain = addresses.split(address)
    except addresses.InvalidAddress:
        return Verdict.INVALID
    if domains.find_active(domain) is None:
        return Verdict.UNKNOWN_DOMAIN
    mailbox = _find(addresses.normalize(address))
    if mailbox is None:
        return Verdict.ACCEPT
    if mailbox.expires_at is not None and mailbox.expires_at <= utcnow():
        return Verdict.EXPIRED
    limit = settings().mailbox_quota
    if limit and mailbox.used_bytes >= limit:
        return Verdict.FULL
    owner = db.session.get(User, mailbox.owner_id) if mailbox.owner_id else None
    if owner is not None and not quota.has_room(owner, 1):
        return Verdict.FULL
    return Verdict.ACCEPT


def deliver(mail_from: str, rcpt_tos: list[str], raw: bytes) -> list[int]:
    """Store one copy per recipient mailbox and commit before returning their public ids.

    Raises QuotaExceeded when a recipient has no room (nothing is stored for anyone),
    UnknownDomain when a domain stopped receiving since RCPT; a database error propagates.
    """
    parsed = mime.parse(raw)
    recipients = list(dict.fromkeys(addresses.normalize(r) for r in rcpt_tos))
    try:
        return _store(mail_from, recipients, raw, parsed)
    except IntegrityError:
        # Two deliveries created the same new mailbox at once; the second retries and finds it.
        db.session.rollback()
        return _store(mail_from, recipients, raw, parsed)


def _store(mail_from: str, recipients: list[str], raw: bytes,
           parsed: mime.ParsedMessage) -> list[int]:
    ids = []
    try:
        for address in recipients:
            mailbox = _find(address) or _new_public_mailbox(address)
            _check_room(mailbox, len(raw))
            ids.append(_add_copy(mailbox, mail_from, recipients, raw, parsed))
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return ids


def _find(address: str) -> Mailbox | None:
    return db.session.execute(sa.select(Mailbox).filter_by(address=address)).scalar_one_or_none()


def _new_public_mailbox(address: str) -> Mailbox:
    """Catch-all: the first message creates the mailbox. Reserved names stay admin-only."""
    local, domain = addresses.split(address)
    domain_row = domains.find_active(domain)
    if domain_row is None:
        raise UnknownDomain()
    reserved = addresses.is_reserved(local)
    mailbox = Mailbox(address=address, local_part=local, domain_id=domain_row.id,
                      protected=reserved,
                      expires_at=None if reserved else utcnow() + settings().public_mailbox_ttl)
    db.session.add(mailbox)
    db.session.flush()
    return mailbox


def _check_room(mailbox: Mailbox, size: int) -> None:
    limit = settings().mailbox_quota
    if limit and mailbox.used_bytes + size > limit:
        raise QuotaExceeded(f"{mailbox.address} has no room for {size} more bytes.")
    owner = db.session.get(User, mailbox.owner_id) if mailbox.owner_id else None
    if owner is not None and not quota.has_room(owner, size):
        raise QuotaExceeded(f"The owner of {mailbox.address} has used their storage.")


def _add_copy(mailbox: Mailbox, mail_from: str, recipients: list[str], raw: bytes,
              parsed: mime.ParsedMessage) -> int:
    sender = parsed.sender
    message = Message(
        public_id=new_public_id(), mailbox_id=mailbox.id, received_at=utcnow(),
        envelope_from=mail_from[:512], envelope_to=recipients,
        from_name=(sender.name if sender else "")[:512],
        from_addr=(sender.address if sender else "")[:512],
        to_addrs=[{"name": a.name, "address": a.address} for a in parsed.to],
        cc_addrs=[{"name": a.name, "address": a.address} for a in parsed.cc],
        subject=parsed.subject, sent_at=parsed.date, preview=parsed.preview,
        size=len(raw), seen=False, has_attachments=any(not a.inline for a in parsed.attachments),
        text_body=parsed.text, html_body=parsed.html,
        headers=[list(pair) for pair in parsed.headers], raw=raw,
        attachments=[
            Attachment(public_id=new_attachment_id(), number=new_public_id(), filename=a.filename,
                       content_type=a.content_type[:255], size=a.size,
                       content_id=(a.content_id or "")[:255] or None, inline=a.inline,
                       data=a.data)
            for a in parsed.attachments
        ],
    )
    db.session.add(message)
    # Counted in SQL so concurrent deliveries to one mailbox do not lose an update.
    db.session.execute(sa.update(Mailbox).where(Mailbox.id == mailbox.id)
                       .values(used_bytes=Mailbox.used_bytes + len(raw)))
    return message.public_id
