"""Incoming mail: who may receive it, and storing it (one copy per recipient mailbox).

Storing works in batches so the SMTP door can group-commit: the messages of several
concurrent sessions go into one transaction, and each session answers 250 only after that
transaction has committed. Inserts are Core statements: no ORM objects on the hot path.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.mail import addresses, mime
from app.mail.codes import extract_codes
from app.models import Attachment, AttachmentNumber, Blob, Domain, FaultRule, Mailbox, Message, User
from app.models.base import utcnow
from app.services.accounts import plans
from app.services.context import settings
from app.services.errors import QuotaExceeded, UnknownDomain
from app.services.ingest import faults
from app.services.mailbox_life import mailbox_policy
from app.services.outgoing import webhooks
from app.services.runtime import changes
from app.services.secrets import new_attachment_id, new_public_id
from app.services.summaries import message_summary

MAILBOXES = cast(sa.Table, Mailbox.__table__)
MESSAGES = cast(sa.Table, Message.__table__)
ATTACHMENTS = cast(sa.Table, Attachment.__table__)
BLOBS = cast(sa.Table, Blob.__table__)
NUMBERS = cast(sa.Table, AttachmentNumber.__table__)


class Verdict(enum.Enum):
    ACCEPT = "accept"
    INVALID = "invalid"
    UNKNOWN_DOMAIN = "unknown_domain"
    EXPIRED = "expired"
    FULL = "full"


# One round trip for RCPT: is the domain active, and what of the mailbox if it exists.
DOMAINS = cast(sa.Table, Domain.__table__)
_HAS_FAULTS = (sa.select(FaultRule.id).where(FaultRule.mailbox_id == MAILBOXES.c.id,
                                              FaultRule.remaining > 0).exists())
_RECIPIENT_QUERY = (
    sa.select(DOMAINS.c.id, MAILBOXES.c.used_bytes, MAILBOXES.c.expires_at, MAILBOXES.c.owner_id,
              _HAS_FAULTS.label("faulty"))
    .select_from(sa.outerjoin(DOMAINS, MAILBOXES, sa.and_(
        MAILBOXES.c.domain_id == DOMAINS.c.id, MAILBOXES.c.address == sa.bindparam("address"))))
    .where(DOMAINS.c.name == sa.bindparam("domain"), DOMAINS.c.active.is_(True))
)


_ADD_USED = sa.update(MAILBOXES).where(MAILBOXES.c.id == sa.bindparam("_id")).values(
    used_bytes=MAILBOXES.c.used_bytes + sa.bindparam("size"))


@dataclass(frozen=True)
class RcptCheck:
    verdict: Verdict
    base: str = ""  # the mailbox's address (a +tag taken off)
    fault: faults.Fault | None = None  # a refuse_rcpt rule that fired
    faulty: bool = False  # the mailbox has live fault rules for later steps


def check_recipient(address: str) -> RcptCheck:
    """Whether mail to this address would be stored (the SMTP RCPT step), and whether a
    fault rule of its mailbox refuses it now."""
    try:
        base, _tag = addresses.split_tag(address)  # name+tag@d is delivered to name@d
        domain = base.rpartition("@")[2]
    except addresses.InvalidAddress:
        return RcptCheck(Verdict.INVALID)
    # Core on the session's connection: this runs for every RCPT, so no ORM layer.
    row = db.session.connection().execute(
        _RECIPIENT_QUERY, {"address": base, "domain": domain}).first()
    if row is None:
        return RcptCheck(Verdict.UNKNOWN_DOMAIN)
    if row.used_bytes is None:
        return RcptCheck(Verdict.ACCEPT, base)  # nobody created it: the first message will
    if not mailbox_policy.is_live(row):
        return RcptCheck(Verdict.EXPIRED, base)
    if mailbox_policy.is_full(row.used_bytes):
        return RcptCheck(Verdict.FULL, base)
    owner = db.session.get(User, row.owner_id) if row.owner_id else None
    if owner is not None and not plans.has_room(owner, 1):
        return RcptCheck(Verdict.FULL, base)
    if row.faulty:
        fault = faults.fire([base], ("refuse_rcpt",))
        return RcptCheck(Verdict.ACCEPT, base, fault, faulty=True)
    return RcptCheck(Verdict.ACCEPT, base)


@dataclass(frozen=True)
class Incoming:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    client_ip: str = ""  # who handed it over, and the name it gave: for SPF, later
    helo: str = ""


@dataclass
class Outcome:
    ids: list[int] = field(default_factory=list)
    error: Exception | None = None


def deliver(mail_from: str, rcpt_tos: list[str], raw: bytes) -> list[int]:
    """Store one copy per recipient mailbox and commit before returning their public ids.

    Raises QuotaExceeded when a recipient has no room (nothing is stored for anyone),
    UnknownDomain when a domain stopped receiving since RCPT; a database error propagates.
    """
    (outcome,) = deliver_many([Incoming(mail_from, rcpt_tos, raw)])
    if outcome.error is not None:
        raise outcome.error
    return outcome.ids


def deliver_many(items: list[Incoming]) -> list[Outcome]:
    """Store several messages in one transaction; each item succeeds or fails whole.

    A refused item (quota, domain) does not hold back the others. If the transaction itself
    fails (two processes created the same new mailbox at once), each item is retried alone.
    A database error that persists propagates: the caller must not answer 250.
    """
    parsed = [mime.parse(item.raw) for item in items]
    try:
        outcomes = _store(items, parsed)
        db.session.commit()
        return outcomes
    except IntegrityError:
        db.session.rollback()
        if len(items) == 1:
            outcomes = _store(items, parsed)  # the mailbox now exists: this finds it
            db.session.commit()
            return outcomes
    except Exception:
        db.session.rollback()
        raise
    return [deliver_many([item])[0] for item in items]


def _target(recipient: str) -> tuple[str, str | None]:
    try:
        return addresses.split_tag(recipient)
    except addresses.InvalidAddress:
        return addresses.normalize(recipient), None


class _Batch:
    """Mailboxes and room as this transaction sees them, including what it has added."""

    def __init__(self, recipients: set[str]) -> None:
        rows = db.session.execute(
            sa.select(MAILBOXES.c.id, MAILBOXES.c.address, MAILBOXES.c.used_bytes,
                      MAILBOXES.c.owner_id).where(MAILBOXES.c.address.in_(recipients))).all()
        self.mailboxes: dict[str, int] = {r.address: r.id for r in rows}
        self.used: dict[int, int] = {r.id: r.used_bytes for r in rows}
        self.owner: dict[int, int | None] = {r.id: r.owner_id for r in rows}
        self.owner_used: dict[int, int] = {}
        self.added: dict[int, int] = {}
        self._create(recipients - set(self.mailboxes))

    def _create(self, new: set[str]) -> None:
        """Catch-all: the first message creates the mailbox, all of a batch's new ones in one
        multi-row insert. Addresses at a domain that stopped receiving get none."""
        if not new:
            return
        parts = {address: addresses.split(address) for address in new}
        active: dict[str, int] = dict(db.session.execute(
            sa.select(DOMAINS.c.name, DOMAINS.c.id).where(
                DOMAINS.c.name.in_({d for _, d in parts.values()}),
                DOMAINS.c.active.is_(True))).all())
        rows = [mailbox_policy.new_row(local, domain, active[domain],
                                       lifetime=mailbox_policy.lifetime_of(
                                           owner_id=None, is_account=False, local_part=local))
                for local, domain in parts.values() if domain in active]
        if not rows:
            return
        # Rows come back in any order (matched by address): SQLite then takes them all in
        # one INSERT, where an ordered RETURNING would be one INSERT per row.
        created = db.session.execute(
            sa.insert(MAILBOXES).returning(MAILBOXES.c.id, MAILBOXES.c.address), rows).all()
        for mailbox_id, address in created:
            self.mailboxes[address], self.used[mailbox_id] = mailbox_id, 0
            self.owner[mailbox_id] = None

    def mailbox_id(self, address: str) -> int:
        if address not in self.mailboxes:
            raise UnknownDomain()
        return self.mailboxes[address]

    def check_room(self, copies: list[tuple[str, int]], size: int) -> None:
        """Whether every copy of one message fits, counted together: copies to one mailbox
        (plus-address tags) and to one owner's mailboxes add up, each against the room the
        mailbox and the owner's plan have left in this transaction."""
        per_mailbox: dict[int, int] = {}
        for _, mailbox_id in copies:
            per_mailbox[mailbox_id] = per_mailbox.get(mailbox_id, 0) + size
        per_owner: dict[int, int] = {}
        for mailbox_id, address in {i: a for a, i in copies}.items():
            if not mailbox_policy.has_room(self.used[mailbox_id], per_mailbox[mailbox_id]):
                raise QuotaExceeded(f"{address} has no room for {size} more bytes.")
            owner_id = self.owner[mailbox_id]
            if owner_id is not None:
                per_owner[owner_id] = per_owner.get(owner_id, 0) + per_mailbox[mailbox_id]
        for owner_id, adding in per_owner.items():
            if owner_id not in self.owner_used:
                self.owner_used[owner_id] = plans.storage_used(owner_id)
            user = db.session.get(User, owner_id)
            if user and self.owner_used[owner_id] + adding > plans.plan_for(user).storage:
                raise QuotaExceeded("The owner of a recipient mailbox has used their storage.")

    def take(self, mailbox_id: int, size: int) -> None:
        self.used[mailbox_id] += size
        self.added[mailbox_id] = self.added.get(mailbox_id, 0) + size
        owner_id = self.owner[mailbox_id]
        if owner_id is not None:
            self.owner_used[owner_id] += size


def _store(items: list[Incoming], parsed: list[mime.ParsedMessage]) -> list[Outcome]:
    # One copy per recipient mailbox and plus-address tag: name+a@d and name+b@d are two.
    recipients = [list(dict.fromkeys(_target(r) for r in i.rcpt_tos)) for i in items]
    batch = _Batch({address for group in recipients for address, _ in group})
    outcomes: list[Outcome] = []
    # The bytes once per delivered message (its raw source, then each attachment's), shared by
    # every copy: rows below name their blob by its index here until the blobs have ids.
    blob_rows: list[dict[str, Any]] = []
    message_rows: list[dict[str, Any]] = []
    attachment_rows: list[list[dict[str, Any]]] = []
    events: list[tuple[int, int, dict[str, Any]]] = []
    now, evaluate = utcnow(), settings().auth_results  # sender checks to come after commit
    for item, parse, group in zip(items, parsed, recipients, strict=True):
        outcomes.append(outcome := Outcome())
        try:
            targets = [(a, tag, batch.mailbox_id(a)) for a, tag in group]
            batch.check_room([(a, i) for a, _, i in targets], len(item.raw))
        except (QuotaExceeded, UnknownDomain) as exc:
            outcome.error = exc
            continue
        # Found once, kept for every read; HTML already made into the text is not read twice.
        codes = [{"value": c.value, "context": c.context} for c in extract_codes(
            parse.text, "" if parse.text_from_html else parse.html, parse.subject)]
        raw_blob = len(blob_rows)
        blob_rows.append({"data": item.raw})
        part_blobs = []
        for part in parse.attachments:
            part_blobs.append(len(blob_rows))
            blob_rows.append({"data": part.data})
        for address, tag, mailbox_id in targets:
            batch.take(mailbox_id, len(item.raw))
            row = {**_message_row(mailbox_id, item, _envelope_of(item, address), parse, now,
                                  codes), "tag": tag, "auth_pending": evaluate}
            message_rows.append({**row, "blob_id": raw_blob})
            attachment_rows.append([{**_attachment_row(a), "blob_id": b}
                                    for a, b in zip(parse.attachments, part_blobs, strict=True)])
            outcome.ids.append(row["public_id"])
            owner_id = batch.owner[mailbox_id]
            if owner_id is not None:
                events.append((owner_id, mailbox_id, _event(row, batch, mailbox_id)))
    if message_rows:
        # One multi-row INSERT; its ids come back in the rows' order. Each copy's row adds one
        # to its blob's reference count (trigger, migration 0016).
        blob_ids = db.session.execute(sa.insert(BLOBS).returning(
            BLOBS.c.id, sort_by_parameter_order=True), blob_rows).scalars().all()
        # In mailbox order: each row's trigger counts it on its mailbox's row (migration
        # 0013), so concurrent batches take those row locks in one order and never deadlock.
        order = sorted(range(len(message_rows)), key=lambda i: message_rows[i]["mailbox_id"])
        message_rows = [{**message_rows[i], "blob_id": blob_ids[message_rows[i]["blob_id"]]}
                        for i in order]
        attachment_rows = [attachment_rows[i] for i in order]
        # Each batch is one multi-row INSERT; row ids are matched back by public id.
        ids: dict[int, int] = dict(db.session.execute(sa.insert(MESSAGES).returning(
            MESSAGES.c.public_id, MESSAGES.c.id), message_rows).all())
        rows = [{**a, "message_id": ids[m["public_id"]], "blob_id": blob_ids[a["blob_id"]]}
                for m, group in zip(message_rows, attachment_rows, strict=True) for a in group]
        if rows:
            attachment_ids = db.session.execute(sa.insert(ATTACHMENTS).returning(
                ATTACHMENTS.c.id), rows).scalars().all()
            db.session.execute(sa.insert(NUMBERS), [
                {"attachment_id": i, "number": new_public_id()} for i in attachment_ids])
        # Counted in SQL so concurrent deliveries to one mailbox do not lose an update.
        db.session.execute(_ADD_USED, [{"_id": mailbox_id, "size": size}
                                       for mailbox_id, size in batch.added.items()])
        # Webhook deliveries join the same transaction: a 250 always has its deliveries.
        webhooks.enqueue(events)
        changes.notify_in_transaction(batch.added)
    return outcomes


def _envelope_of(item: Incoming, address: str) -> list[str]:
    """The envelope recipients a copy keeps: only those delivered to its own mailbox, so one
    tenant never reads another's address (a Bcc) in its copy."""
    return [addresses.normalize(r) for r in item.rcpt_tos if _target(r)[0] == address]


def _event(row: dict[str, Any], batch: _Batch, mailbox_id: int) -> dict[str, Any]:
    address = next(a for a, i in batch.mailboxes.items() if i == mailbox_id)
    return {"event": "message.received", "mailbox": address,
            "message": message_summary(SimpleNamespace(**row))}


def _message_row(mailbox_id: int, item: Incoming, recipients: list[str],
                 parsed: mime.ParsedMessage, now: datetime,
                 codes: list[dict[str, str]]) -> dict[str, Any]:
    sender = parsed.sender
    return {
        "public_id": new_public_id(), "mailbox_id": mailbox_id, "received_at": now,
        "envelope_from": item.mail_from[:512], "envelope_to": recipients,
        "from_name": (sender.name if sender else "")[:512],
        "from_addr": (sender.address if sender else "")[:512],
        "to_addrs": [{"name": a.name, "address": a.address} for a in parsed.to],
        "cc_addrs": [{"name": a.name, "address": a.address} for a in parsed.cc],
        "subject": parsed.subject, "sent_at": parsed.date, "preview": parsed.preview,
        "size": len(item.raw), "seen": False,
        "has_attachments": any(not a.inline for a in parsed.attachments),
        "text_body": parsed.text, "html_body": parsed.html,
        "headers": [list(pair) for pair in parsed.headers],
        "codes": codes, "client_ip": item.client_ip[:45] or None,
        "helo": item.helo[:255] or None,
    }


def _attachment_row(part: mime.Attachment) -> dict[str, Any]:
    return {"public_id": new_attachment_id(), "filename": part.filename,
            "content_type": part.content_type[:255], "size": part.size,
            "content_id": (part.content_id or "")[:255] or None, "inline": part.inline}
