"""aiosmtpd handler: RCPT asks the delivery service who may receive, DATA stores and commits.

Database work runs in a worker thread inside a fresh app context, never on the event loop.
250 is answered only after the commit; a failed store is 451, never 250.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from aiosmtpd.smtp import SMTP, Envelope, Session
from flask import Flask

from app.services.errors import QuotaExceeded, UnknownDomain
from app.services.ingest import delivery, faults
from app.services.ingest.delivery import Incoming, Verdict
from app.services.runtime import metrics
from app.services.stored_mail.mail_waits import end_read
from app.smtp.committer import GroupCommitter

log = logging.getLogger(__name__)
T = TypeVar("T")

RCPT_REPLIES = {
    Verdict.INVALID: "553 5.1.3 Bad recipient address syntax",
    Verdict.UNKNOWN_DOMAIN: "550 5.1.2 Mayfly does not receive mail for that domain",
    Verdict.EXPIRED: "550 5.1.1 That mailbox has expired",
    Verdict.FULL: "452 4.2.2 Mailbox full, try again later",
}
TEMPORARY_FAILURE = "451 4.3.0 Could not store the message, try again later"


def fault_reply(code: int | None) -> str:
    """The reply a refusing fault rule chose, with an enhanced status of its class."""
    code = code or 451
    return f"{code} {code // 100}.0.0 Refused by a fault rule on this mailbox"


# A mailbox with live fault rules never shares a transaction: its rules refuse, drop or
# delay the whole DATA, which would fail other tenants' copies too. A sender splits a
# transaction whose recipient got a 4xx and sends to that recipient separately.
SEPARATE_TRANSACTION = "452 4.5.3 Send to this recipient in a separate transaction"


def _would_share_a_fault(envelope: Envelope, check: delivery.RcptCheck) -> bool:
    """Whether accepting this recipient would put a mailbox that has fault rules in one
    transaction with another mailbox."""
    bases: set[str] = getattr(envelope, "mayfly_bases", set())
    if not bases or bases == {check.base}:
        return False
    return check.faulty or bool(getattr(envelope, "mayfly_faulty", None))


# One transaction's size times its copies is what it writes under the store's write lock.
TOO_MUCH_FOR_ONE_TRANSACTION = ("452 4.5.3 Too much to store for one more recipient: "
                                "send to this one separately")


def _declared_size(envelope: Envelope) -> int:
    """The SIZE= a sender declared at MAIL (RFC 1870), else 0."""
    for option in envelope.mail_options:
        name, _, value = option.partition("=")
        if name.upper() == "SIZE" and value.isdigit():
            return int(value)
    return 0


CHECK_THREADS = 2


class MayflyHandler:
    """The aiosmtpd hooks Mayfly implements: MAIL (while draining), RCPT and DATA."""

    def __init__(self, app: Flask, max_recipients: int, committer: GroupCommitter,
                 max_transaction_bytes: int) -> None:
        self._app = app
        self._max_recipients = max_recipients
        self._max_transaction_bytes = max_transaction_bytes
        self._committer = committer
        self.draining = False
        # Recipient checks run on a few threads that each keep one app context (and so one
        # session and connection) for good: a check costs its query, not a context.
        self._checks = ThreadPoolExecutor(CHECK_THREADS, thread_name_prefix="mayfly-rcpt",
                                          initializer=self._enter_app)

    def _enter_app(self) -> None:
        self._app.app_context().push()

    def close(self) -> None:
        self._checks.shutdown(wait=True)

    async def handle_MAIL(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, mail_options: list[str]) -> str:
        if self.draining:
            return "421 4.3.2 Shutting down, try again later"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, rcpt_options: list[str]) -> str:
        return metrics.smtp_reply("rcpt", await self._rcpt(envelope, address, rcpt_options))

    async def _rcpt(self, envelope: Envelope, address: str, rcpt_options: list[str]) -> str:
        if len(envelope.rcpt_tos) >= self._max_recipients:
            return "452 4.5.3 Too many recipients"
        if _declared_size(envelope) * (len(envelope.rcpt_tos) + 1) > self._max_transaction_bytes:
            return TOO_MUCH_FOR_ONE_TRANSACTION
        try:
            check = await self._run(delivery.check_recipient, address)
        except Exception:
            log.exception("recipient check failed for %r", address)
            return TEMPORARY_FAILURE
        if check.verdict is not Verdict.ACCEPT:
            return RCPT_REPLIES[check.verdict]
        if check.fault is not None:
            return fault_reply(check.fault.code)
        if _would_share_a_fault(envelope, check):
            return SEPARATE_TRANSACTION
        if check.faulty:  # the DATA phase asks this transaction's mailboxes' rules again
            envelope.mayfly_faulty = {check.base}  # type: ignore[attr-defined]
        envelope.mayfly_bases = {*getattr(envelope, "mayfly_bases", ()), check.base}  # type: ignore[attr-defined]
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        if len(raw) * len(set(envelope.rcpt_tos)) > self._max_transaction_bytes:
            return "552 5.3.4 Too big for this many recipients: send to fewer at once"
        outcome = await self._committer.submit(
            Incoming(envelope.mail_from or "", list(envelope.rcpt_tos), raw,
                     client_ip=_peer_ip(session), helo=session.host_name or ""))
        if isinstance(outcome.error, QuotaExceeded):
            return "552 5.2.2 Mailbox full"
        if isinstance(outcome.error, UnknownDomain):
            return "550 5.1.2 Mayfly no longer receives mail for that domain"
        if outcome.error is not None:
            return TEMPORARY_FAILURE  # never 250 unless committed
        count = len(outcome.ids)
        return f"250 OK stored {count} cop{'y' if count == 1 else 'ies'}"

    async def data_fault(self, envelope: Envelope) -> faults.Fault | None:
        """The fault rule that fires for this transaction's DATA, asked once, when the
        message has arrived (None at once for mailboxes that had no rules at RCPT)."""
        faulty = getattr(envelope, "mayfly_faulty", None)
        if not faulty:
            return None
        return await self._run(faults.fire_at_data, sorted(faulty))

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._checks, self._in_context, fn, *args)

    def _in_context(self, fn: Callable[..., T], *args: Any) -> T:
        try:
            return fn(*args)
        finally:
            end_read()  # no transaction stays open between checks


def _peer_ip(session: Session) -> str:
    peer = session.peer
    return str(peer[0]) if isinstance(peer, tuple) and peer else ""
