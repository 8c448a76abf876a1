"""Running a tool's service calls: in a worker thread, inside the Flask app's context, as the
caller's Principal, counted against the caller's plan like a native API call; a domain error
becomes a tool error the agent reads ("mailbox_not_found: No such mailbox.").

The event loop never touches the store. Ordinary calls share CALL_THREADS threads; a wait
holds a thread of its own for up to mail_waits.MAX_WAIT_SECONDS, so waits have their own
bound: at most MAX_WAITS in this process and WAIT_MAX_PER_CLIENT per user, past which a wait
is refused at once rather than queued.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import anyio
import anyio.to_thread
from flask import Flask
from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.auth.provider import AccessToken
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError

from app.config import Settings
from app.services import errors
from app.services.access import Principal
from app.services.accounts import api_keys, plans, request_counts

T = TypeVar("T")
CALL_THREADS = 16
MAX_WAITS = 200  # threads held by waits in one MCP process


class Door:
    """What every tool needs: the Flask app (store, settings) and the bounds on threads."""

    def __init__(self, flask_app: Flask) -> None:
        self.flask_app = flask_app
        self.settings: Settings = flask_app.config["MAYFLY"]
        self._limiters: dict[str, anyio.CapacityLimiter] = {}
        self._waits: Counter[str] = Counter()  # per caller, touched on the event loop only

    def _limiter(self, kind: str, size: int) -> anyio.CapacityLimiter:
        if kind not in self._limiters:  # made on the event loop, at first use
            self._limiters[kind] = anyio.CapacityLimiter(size)
        return self._limiters[kind]

    async def call(self, ctx: Context, work: Callable[[Principal], T]) -> T:
        """`work(principal)` in a worker thread with an app context; its result must be plain
        data (JSON-ready), since ORM rows do not outlive the context."""
        secret = bearer(ctx).token
        return await self._in_thread(lambda: self._as_caller(secret, work),
                                     self._limiter("calls", CALL_THREADS))

    async def wait(self, ctx: Context, work: Callable[[Principal, Callable[[], bool]], T]) -> T:
        """Like `call`, for a server-side wait: `work(principal, gone)` where `gone()` turns
        true when the agent's request is cancelled, so the wait ends within a wake."""
        token = bearer(ctx)
        with self._slot(token.client_id):
            cancelled = threading.Event()
            try:
                # Threads of their own (not the calls' limiter): waits never starve calls.
                return await self._in_thread(
                    lambda: self._as_caller(token.token, lambda p: work(p, cancelled.is_set)),
                    self._limiter("waits", MAX_WAITS), abandon_on_cancel=True)
            finally:
                cancelled.set()

    @contextmanager
    def _slot(self, caller: str) -> Iterator[None]:
        if self._waits.total() >= MAX_WAITS:
            raise ToolError("too_many_waits: This server holds as many waits as it can; "
                            "try again in a few seconds.")
        if self._waits[caller] >= self.settings.wait_max_per_client:
            share = self.settings.wait_max_per_client
            raise ToolError(f"too_many_waits: This user holds {share} of {share} waits "
                            "already; let one end first.")
        self._waits[caller] += 1
        try:
            yield
        finally:
            self._waits[caller] -= 1
            if not self._waits[caller]:
                del self._waits[caller]

    async def _in_thread(self, job: Callable[[], T], limiter: anyio.CapacityLimiter, *,
                         abandon_on_cancel: bool = False) -> T:
        try:
            return await anyio.to_thread.run_sync(job, limiter=limiter,
                                                  abandon_on_cancel=abandon_on_cancel)
        except errors.MayflyError as exc:
            raise ToolError(f"{exc.code}: {exc.message}") from None

    def _as_caller(self, secret: str, work: Callable[[Principal], T]) -> T:
        """Checked again in this thread: a key revoked since the request began opens nothing."""
        with self.flask_app.app_context():
            holder = api_keys.holder(secret)
            if holder is None:
                raise errors.Unauthorized("That API key is not valid or was revoked.")
            plans.check_request(holder.user)
            result = work(holder.principal)
            request_counts.record(holder.user.id)
            return result


def bearer(ctx: Context[Any, Any]) -> AccessToken:
    """The API key this very HTTP request was authenticated with (auth.py verified it); its
    client_id names the user."""
    request = ctx.request_context.request
    user = getattr(request, "scope", {}).get("user")
    if not isinstance(user, AuthenticatedUser):
        raise ToolError("unauthorized: Send 'Authorization: Bearer <API key>'.")
    return user.access_token
