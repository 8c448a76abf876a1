"""Waiting for mail: a list that holds until something newer arrives (the API's `wait=`),
the access check every wait and stream repeats at each look, and ending the read
transaction between looks so each sees what others committed."""

from __future__ import annotations

import time
from collections.abc import Callable

from app.extensions import db
from app.services.access import Principal
from app.services.errors import InvalidInput, MailboxNotFound
from app.services.mailbox_life import mailbox_reads
from app.services.runtime import changes
from app.services.stored_mail.message_filters import EVERYTHING, Filters
from app.services.stored_mail.pages import EMPTY, Page, page

MAX_WAIT_SECONDS = 60
WAKE_EVERY_SECONDS = 2.0


def wait_for_messages(address: str, principal: Principal, *, wait: float,
                      gone: Callable[[], bool] = lambda: False, limit: int = 50,
                      since: int | None = None, filters: Filters = EVERYTHING) -> Page:
    """Like list_messages, but holds until something newer than `since` arrives, time runs
    out, the caller is `gone`, or the process stops.

    An address nobody has used yet, that would become a public mailbox, is waited on too.
    It asks the store, not process memory, so it sees mail from every SMTP process.
    """
    deadline = time.monotonic() + min(max(wait, 0), MAX_WAIT_SECONDS)
    mailbox_id = mailbox_reads.waitable_id(address, principal)
    if mailbox_id is None and since is not None:
        raise InvalidInput("Unknown cursor.")
    with changes.watcher().subscribe(mailbox_id) as news:
        found, news_came = EMPTY, True
        while True:
            # Look at the store only when mail came for this mailbox, or, for verdicts
            # (stored a moment after the mail, unannounced on SQLite), on every wake.
            if news_came or filters.awaits_verdicts:
                # Asked again at every look: a mailbox made private, or whose token was
                # replaced, since the wait began is MailboxNotFound now, not a leak.
                mailbox_id = still_waitable(address, principal, mailbox_id)
                if mailbox_id is not None:
                    found = page(mailbox_id, limit=limit, since=since, filters=filters)
                end_read()  # the next look must see what others committed meanwhile
            remaining = deadline - time.monotonic()
            if found.items or remaining <= 0 or news.closed or gone():
                return found
            # Sleep until mail reaches this mailbox (one watcher per process); wake every
            # few seconds anyway to notice a caller that went away.
            news_came = news.wait(min(remaining, WAKE_EVERY_SECONDS))


def still_waitable(address: str, principal: Principal, mailbox_id: int | None) -> int | None:
    """The mailbox a wait or stream watches, if the principal may still read it: a mailbox
    that went away, or was replaced by another of the same address, is MailboxNotFound."""
    now = mailbox_reads.waitable_id(address, principal)
    if mailbox_id is not None and now != mailbox_id:
        raise MailboxNotFound()
    return now


def end_read() -> None:
    """Close this thread's read transaction, so the next look sees what others committed."""
    db.session.remove()
