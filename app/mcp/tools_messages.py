"""Message tools: read one, its code, its link, search, delete.

Codes and links are what Mayfly found in the message (app.mail.codes): `get_code` gives the
most likely one-time code, `get_link` the main link (the one confirm/verify/reset/sign-in
link, when there is exactly one) or the first link containing a given text.
"""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.types import ToolAnnotations
from pydantic import Field

from app.mail.codes import extract_links, primary_link
from app.mail.search_query import MAX_QUERY
from app.mcp.calls import Door
from app.mcp.shapes import message_json, summary_json
from app.services.access import Principal
from app.services.stored_mail import messages, pages, search

MAX_LIMIT = pages.MAX_PAGE

MessageId = Annotated[int, Field(description="A message's id (from list_messages, "
                                             "wait_for_message or search).")]


def register(server: MCPServer, door: Door) -> None:
    """Add the message tools to the server."""

    @server.tool(annotations=ToolAnnotations(read_only_hint=True))
    async def get_message(ctx: Context, message_id: MessageId) -> dict[str, Any]:
        """A whole message: text, the HTML as text, headers, the one-time codes found in it
        (code: the most likely), its links with main_link, and its attachments' names, types
        and sizes. Marks it read."""
        def work(principal: Principal) -> dict[str, Any]:
            return message_json(messages.open_message(message_id, principal, mark_seen=True))
        return await door.call(ctx, work)

    @server.tool(annotations=ToolAnnotations(read_only_hint=True))
    async def get_code(ctx: Context, message_id: MessageId) -> dict[str, Any]:
        """The one-time code (verification code, OTP, PIN) in a message: code is the most
        likely one, or null when the message has none; codes lists every candidate, best
        first, with the line it was found on."""
        def work(principal: Principal) -> dict[str, Any]:
            opened = messages.open_message(message_id, principal, attachments=False)
            codes = messages.codes_of(opened.message)
            return {"message_id": message_id, "code": codes[0].value if codes else None,
                    "codes": [{"value": c.value, "context": c.context} for c in codes]}
        return await door.call(ctx, work)

    @server.tool(annotations=ToolAnnotations(read_only_hint=True))
    async def get_link(
        ctx: Context, message_id: MessageId,
        contains: Annotated[str | None, Field(
            description="Instead of the main link: the first link whose address or text "
                        "contains this (case-insensitive).", max_length=500)] = None,
    ) -> dict[str, Any]:
        """A link of a message: by default its main link (the confirm, verify, reset or
        sign-in link, when exactly one link is such), or the first link containing
        `contains`. link is null when none fits; links_count says how many it has."""
        def work(principal: Principal) -> dict[str, Any]:
            opened = messages.open_message(message_id, principal, attachments=False)
            links = extract_links(opened.message.text_body, opened.message.html_body)
            if contains:
                wanted = contains.lower()
                found = next((link for link in links if wanted in link.url.lower()
                              or wanted in link.text.lower()), None)
            else:
                found = primary_link(links)
            return {"message_id": message_id, "links_count": len(links),
                    "link": None if found is None else {"url": found.url, "text": found.text}}
        return await door.call(ctx, work)

    @server.tool(name="search", annotations=ToolAnnotations(read_only_hint=True))
    async def search_messages(
        ctx: Context,
        query: Annotated[str, Field(
            description='Words and fields, all must match: from:acme subject:"reset" '
                        "has:attachment is:unread tag:t1 after:2026-01-31 -word.",
            max_length=MAX_QUERY)] = "",
        mailbox: Annotated[str | None, Field(
            description="Search only this mailbox; every mailbox of your key when omitted.",
            max_length=320)] = None,
        limit: Annotated[int, Field(ge=1, description=f"At most this many (capped at "
                                                      f"{MAX_LIMIT}).")] = 20,
    ) -> dict[str, Any]:
        """Search your mailboxes' messages, newest first; each summary names its mailbox."""
        capped = min(limit, MAX_LIMIT)
        def work(principal: Principal) -> dict[str, Any]:
            found = search.find(principal, query, mailbox=mailbox or None, limit=capped)
            return {"limit": capped, "next_cursor": found.next_cursor,
                    "messages": [summary_json(row, row.address) for row in found.items]}
        return await door.call(ctx, work)

    @server.tool(annotations=ToolAnnotations(read_only_hint=False, destructive_hint=True))
    async def delete_message(ctx: Context, message_id: MessageId) -> dict[str, Any]:
        """Delete one message: it is gone from every door of Mayfly."""
        def work(principal: Principal) -> dict[str, Any]:
            return {"deleted": message_id,
                    "mailbox": messages.delete_message(message_id, principal)}
        return await door.call(ctx, work)
