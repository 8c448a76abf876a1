"""Mailbox tools: domains, create, list, wait for mail, delete.

A mailbox made here belongs to the key's user (protected, OWNED_MAILBOX_TTL, counted
against the plan). Waiting is the server-side wait of the native API's `wait=`
(app.services.stored_mail.mail_waits): the call sleeps until mail reaches the mailbox.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Annotated, Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.types import ToolAnnotations
from pydantic import Field

from app.mcp.calls import Door
from app.mcp.shapes import message_json, summary_json
from app.services.access import Principal
from app.services.mailbox_life import domains, mailbox_changes, mailboxes
from app.services.stored_mail import mail_waits, messages, pages
from app.services.stored_mail.message_filters import Filters
from app.services.summaries import iso

MAX_WAIT = mail_waits.MAX_WAIT_SECONDS
MAX_LIMIT = pages.MAX_PAGE
# A sanity bound on what a caller may ask; the mailbox never outlives its kind's life anyway.
MAX_TTL_SECONDS = 366 * 24 * 3600

Address = Annotated[str, Field(description="The mailbox's address, e.g. signup-42@mayfly.test.",
                               max_length=320)]
Subject = Annotated[str | None, Field(description="Only mail whose subject contains this.",
                                      max_length=200)]
Sender = Annotated[str | None, Field(description="Only mail whose sender's address or name "
                                                 "contains this.", max_length=200)]
Tag = Annotated[str | None, Field(description="Only mail sent to name+TAG@domain (a "
                                              "plus-address tag).", max_length=64)]


def _filters(subject: str | None, sender: str | None, tag: str | None) -> Filters:
    return Filters(subject=subject or None, sender=sender or None,
                   tag=(tag or "").strip().lower() or None)


def register(server: MCPServer, door: Door) -> None:
    """Add the mailbox tools to the server."""

    @server.tool(annotations=ToolAnnotations(read_only_hint=True))
    async def list_domains(ctx: Context) -> dict[str, Any]:
        """The domains Mayfly receives mail for; the first is the default."""
        return await door.call(ctx, lambda _: {
            "domains": [d.name for d in domains.list_active()]})

    @server.tool(annotations=ToolAnnotations(read_only_hint=False, destructive_hint=False))
    async def create_mailbox(
        ctx: Context,
        local: Annotated[str | None, Field(
            description="The part before @ (letters, digits, . _ -); random when omitted.",
            max_length=64)] = None,
        domain: Annotated[str | None, Field(
            description="One of list_domains; the default domain when omitted.",
            max_length=253)] = None,
        ttl_seconds: Annotated[int | None, Field(
            description="Let it expire this many seconds from now; it never lives longer "
                        "than an owned mailbox does.", ge=60, le=MAX_TTL_SECONDS)] = None,
    ) -> dict[str, Any]:
        """Create a mailbox owned by your API key's user: only that key reads it. Returns its
        address and when it expires. Mail sent to address, or to name+anything@domain, lands
        in it."""
        ttl = None if ttl_seconds is None else timedelta(seconds=ttl_seconds)

        def work(principal: Principal) -> dict[str, Any]:
            made = mailboxes.create_mailbox(local, domain, owner_id=principal.user_id, ttl=ttl)
            return {"address": made.mailbox.address, "protected": made.mailbox.protected,
                    "expires_at": iso(made.mailbox.expires_at)}
        return await door.call(ctx, work)

    @server.tool(annotations=ToolAnnotations(read_only_hint=True))
    async def list_messages(
        ctx: Context, address: Address,
        limit: Annotated[int, Field(ge=1, description=f"At most this many (capped at "
                                                      f"{MAX_LIMIT}).")] = 20,
        cursor: Annotated[int | None, Field(description="next_cursor of the previous page.")]
        = None,
        subject: Subject = None, sender: Sender = None, tag: Tag = None,
    ) -> dict[str, Any]:
        """Summaries of a mailbox's messages, newest first (id, from, subject, received_at,
        preview, tag); next_cursor pages back. Use get_message for a whole message."""
        capped = min(limit, MAX_LIMIT)
        def work(principal: Principal) -> dict[str, Any]:
            page = pages.list_messages(address, principal, limit=capped, cursor=cursor,
                                       filters=_filters(subject, sender, tag))
            return {"address": address, "limit": capped,
                    "messages": [summary_json(row) for row in page.items],
                    "next_cursor": page.next_cursor}
        return await door.call(ctx, work)

    @server.tool(annotations=ToolAnnotations(read_only_hint=True))
    async def wait_for_message(
        ctx: Context, address: Address,
        timeout_seconds: Annotated[float, Field(
            ge=0, description=f"How long to wait; at most {MAX_WAIT} (more is capped).")] = 30,
        subject: Subject = None, sender: Sender = None, tag: Tag = None,
        since: Annotated[int | None, Field(
            description="Only mail newer than this message id (of the same mailbox).")] = None,
    ) -> dict[str, Any]:
        """Wait until a message matching the filters is in the mailbox, and return it whole
        (as get_message does). Answers at once if one is there already; with `since`, only
        newer mail counts. The address may be one nobody used yet. found is false when time
        ran out; call again to keep waiting."""
        timeout = min(timeout_seconds, MAX_WAIT)
        def work(principal: Principal, gone: Callable[[], bool]) -> dict[str, Any]:
            page = mail_waits.wait_for_messages(
                address, principal, wait=timeout, gone=gone, limit=1, since=since,
                filters=_filters(subject, sender, tag))
            if not page.items:
                return {"found": False, "timeout_seconds": timeout, "message": None}
            opened = messages.open_message(page.items[0].public_id, principal)
            return {"found": True, "timeout_seconds": timeout, "message": message_json(opened)}
        return await door.wait(ctx, work)

    @server.tool(annotations=ToolAnnotations(read_only_hint=False, destructive_hint=True))
    async def delete_mailbox(ctx: Context, address: Address) -> dict[str, Any]:
        """Delete a mailbox and every message in it."""
        def work(principal: Principal) -> dict[str, Any]:
            mailbox_changes.delete_mailbox(address, principal)
            return {"deleted": address}
        return await door.call(ctx, work)
