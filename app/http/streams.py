"""Server-Sent Events: a mailbox's new messages pushed as they arrive, for every HTTP door.

The stream asks the store (one indexed query every half second), so it sees mail from every
SMTP process on every host; a stream holds a worker thread, so it takes one of the
WAIT_MAX_CONCURRENT slots and ends after STREAM_SECONDS (EventSource reconnects by itself,
resuming after Last-Event-ID).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from flask import Response, current_app, request, stream_with_context
from werkzeug.exceptions import TooManyRequests

from app.models import Message
from app.services import changes, messages
from app.services.access import Principal
from app.services.errors import InvalidInput, MailboxNotFound

STREAM_SECONDS = 300
CHECK_EVERY = 5.0
KEEP_ALIVE_EVERY = 15.0


def slots() -> threading.BoundedSemaphore:
    """This process's slots for calls that hold a worker thread (wait= and streams)."""
    found = current_app.extensions.get("mayfly_wait_slots")
    if found is None:
        limit = current_app.config["MAYFLY"].wait_max_concurrent
        found = current_app.extensions.setdefault("mayfly_wait_slots",
                                                  threading.BoundedSemaphore(limit))
    return found


def message_stream(address: str, principal: Principal,
                   serialize: Callable[[Message], dict[str, Any]],
                   seconds: float = STREAM_SECONDS) -> Response:
    """`event: message` for each new message, newest last; raises MailboxNotFound first."""
    last = _resume_point(address, principal)
    slot = slots()
    if not slot.acquire(blocking=False):
        raise TooManyRequests("Too many streams and waits are open already; retry shortly.")

    def events() -> Iterator[str]:
        nonlocal last
        try:
            yield "retry: 3000\n\n"
            deadline, quiet_since = time.monotonic() + seconds, time.monotonic()
            watch = changes.watcher()
            seen = watch.version
            while time.monotonic() < deadline:
                try:
                    page = messages.list_messages(address, principal, limit=50, since=last)
                except (MailboxNotFound, InvalidInput):
                    return  # deleted, expired, or its last message went away: end the stream
                for message in reversed(page.items):
                    last = message.public_id
                    quiet_since = time.monotonic()
                    yield (f"id: {message.public_id}\nevent: message\n"
                           f"data: {json.dumps(serialize(message))}\n\n")
                if time.monotonic() - quiet_since > KEEP_ALIVE_EVERY:
                    quiet_since = time.monotonic()
                    yield ": keep-alive\n\n"
                messages.end_read()  # no long transaction: the next look sees new commits
                # Wake when new mail is stored anywhere; look again at least every few seconds.
                seen = watch.wait(seen, CHECK_EVERY)
        finally:
            slot.release()

    response = Response(stream_with_context(events()), mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Accel-Buffering"] = "no"  # tell nginx-like proxies not to buffer
    return response


def _resume_point(address: str, principal: Principal) -> int | None:
    """After Last-Event-ID when the client resumes, else after the newest message now."""
    resumed = request.headers.get("Last-Event-ID", "")
    newest = messages.newest_id(address, principal)  # also checks the principal may read it
    return int(resumed) if resumed.isdigit() and newest is not None else newest
