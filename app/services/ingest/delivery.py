"""Incoming mail: who may receive it (`check_recipient`), and storing it, one copy per
recipient mailbox (`deliver`, `deliver_many`).

Storing works in batches so the SMTP door can group-commit: the messages of several
concurrent sessions go into one transaction, and each session answers 250 only after that
transaction has committed. `_store` is the pipe; each step lives in a private module beside
this one: `_recipients` (who receives), `_batch` (mailboxes and room in this transaction),
`_rows` (what each copy becomes) and `_writes` (the inserts and what they tell others).
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.mail import mime
from app.services.errors import QuotaExceeded, UnknownDomain
from app.services.ingest import _rows, _writes
from app.services.ingest._batch import Batch
from app.services.ingest._recipients import (
    RcptCheck,
    Target,
    Verdict,
    check_recipient,
    targets_of,
)
from app.services.ingest.incoming import Incoming, Outcome

__all__ = ["Incoming", "Outcome", "RcptCheck", "Verdict", "check_recipient", "deliver",
           "deliver_many"]


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
    parsed = [mime.parse(item.raw) for item in items]  # once, whatever the retries
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


def _store(items: list[Incoming], parsed: list[mime.ParsedMessage]) -> list[Outcome]:
    """Parsed mail → recipients → room → rows → insert → notices, in the caller's
    transaction."""
    recipients = [targets_of(item.rcpt_tos) for item in items]
    batch = Batch({address for group in recipients for address, _ in group})
    placements = _room(batch, items, recipients)
    rows = _rows.build(items, parsed, placements)
    if rows.copies:
        _writes.insert(rows)
        _writes.charge(batch.added)
        _writes.notify(rows, batch)
    return [Outcome(error=placed) if isinstance(placed, Exception) else Outcome(ids)
            for placed, ids in zip(placements, rows.ids, strict=True)]


def _room(batch: Batch, items: list[Incoming],
          recipients: list[list[Target]]) -> list[_rows.Placement]:
    """Each message's copies placed in their mailboxes in turn (a later message sees the room
    an earlier one took), or why it cannot be stored for anyone."""
    placements: list[_rows.Placement] = []
    for item, targets in zip(items, recipients, strict=True):
        try:
            placements.append(batch.place(targets, len(item.raw)))
        except (QuotaExceeded, UnknownDomain) as exc:
            placements.append(exc)
    return placements
