"""Server-Sent Events: a mailbox's new messages pushed as they arrive, for every HTTP door.

A stream sleeps on the process's new-mail watcher and looks at the store only when its own
mailbox got mail, so it sees mail from every SMTP process on every host and costs nothing
while none comes. It holds one of its client's wait slots (app.http.waits) until it ends:
after STREAM_SECONDS (EventSource reconnects by itself, resuming after Last-Event-ID),
when the client goes away (noticed within WAKE_EVERY seconds), or at once when the process
stops. A HEAD request gets the headers and holds nothing.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

from flask import Response, request, stream_with_context

from app.http import waits
from app.services.access import Principal
from app.services.errors import InvalidInput, MailboxNotFound
from app.services.ids import parse_id
from app.services.mailbox_life import mailbox_reads
from app.services.runtime import changes
from app.services.stored_mail import mail_waits, pages

STREAM_SECONDS = 300
WAKE_EVERY = 2.0
KEEP_ALIVE_EVERY = 15.0


def message_stream(address: str, principal: Principal,
                   serialize: Callable[[Any], dict[str, Any]],
                   seconds: float = STREAM_SECONDS) -> Response:
    """`event: message` for each new message, newest last; raises MailboxNotFound first."""
    mailbox_id = mailbox_reads.waitable_id(address, principal)
    last = _resume_point(mailbox_id) if mailbox_id is not None else None
    if request.method == "HEAD":
        return _event_response([])
    lease = waits.hold("stream", principal)  # or 429, before any of the stream is sent
    response = _event_response(stream_with_context(
        _events(address, principal, serialize, lease, mailbox_id, last, seconds)))
    response.call_on_close(lease.release)  # also when the body is never read
    return response


def _events(address: str, principal: Principal, serialize: Callable[[Any], dict[str, Any]],
            lease: waits.Lease, mailbox_id: int | None, last: int | None,
            seconds: float) -> Iterator[str]:
    """The stream's body, holding `lease` until it ends, however it ends."""
    gone = waits.gone_check()
    with lease:
        yield "retry: 3000\n\n"
        deadline, quiet_since = time.monotonic() + seconds, time.monotonic()
        try:
            with changes.watcher().subscribe(mailbox_id) as news:
                news_came = True
                while time.monotonic() < deadline and not news.closed and not gone():
                    if news_came:  # look at the store only when mail came for this mailbox
                        mailbox_id, arrived = _arrivals(address, principal, mailbox_id, last)
                        for message in arrived:
                            last = message.public_id
                            quiet_since = time.monotonic()
                            yield (f"id: {message.public_id}\nevent: message\n"
                                   f"data: {json.dumps(serialize(message))}\n\n")
                    if time.monotonic() - quiet_since > KEEP_ALIVE_EVERY:
                        quiet_since = time.monotonic()
                        yield ": keep-alive\n\n"
                    news_came = news.wait(WAKE_EVERY)
        except (MailboxNotFound, InvalidInput):
            return  # deleted, expired, or its last message went away: end the stream


def _arrivals(address: str, principal: Principal, mailbox_id: int | None,
              last: int | None) -> tuple[int | None, list[pages.Summary]]:
    """The mailbox as it is now (None before its first message) and what came after `last`,
    oldest first. Access is asked again at every look: a mailbox made private, or whose token
    was replaced, ends the stream instead of feeding it."""
    mailbox_id = mail_waits.still_waitable(address, principal, mailbox_id)
    page = pages.page(mailbox_id, limit=50, since=last) if mailbox_id is not None else pages.EMPTY
    mail_waits.end_read()  # no long transaction: the next look sees commits
    return mailbox_id, list(reversed(page.items))


def _event_response(body: Any) -> Response:
    response = Response(body, mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Accel-Buffering"] = "no"  # tell nginx-like proxies not to buffer
    return response


def _resume_point(mailbox_id: int) -> int | None:
    """After Last-Event-ID when the client resumes, else after the newest message now."""
    newest = pages.page(mailbox_id, limit=1).items
    if not newest:
        return None
    resumed = parse_id(request.headers.get("Last-Event-ID"))
    return resumed if resumed is not None else newest[0].public_id
