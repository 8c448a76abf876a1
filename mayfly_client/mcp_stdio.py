"""`mayfly-mcp`: Mayfly's tools for an agent, as an MCP server on standard input and output.

An MCP host (Claude Desktop, an IDE, an agent framework) starts it as a subprocess; it calls
the native API of the Mayfly at MAYFLY_URL with the API key in MAYFLY_API_KEY, so it works
with any Mayfly, with or without its MCP door. The tools have the names and arguments of the
MCP door's (app/mcp): create_mailbox, wait_for_message, get_code, get_link, …

    pip install "mayfly[mcp]"
    MAYFLY_URL=https://mail.example.com MAYFLY_API_KEY=mf_… mayfly-mcp

Needs the `mcp` package (the official SDK); the rest of mayfly_client stays standard
library only.
"""

from __future__ import annotations

import os
import sys
import urllib.parse
from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeVar

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations
from pydantic import Field

from mayfly_client import MAX_WAIT, Mayfly, MayflyError

T = TypeVar("T")
MAX_LIMIT = 100  # the native API's largest page
MAX_QUERY = 1000  # characters of a search query
READ = ToolAnnotations(read_only_hint=True)
WRITE = ToolAnnotations(read_only_hint=False, destructive_hint=False)
DELETE = ToolAnnotations(read_only_hint=False, destructive_hint=True)

Address = Annotated[str, Field(description="The mailbox's address, e.g. signup-42@mayfly.test.",
                               max_length=320)]
MessageId = Annotated[int, Field(description="A message's id (from list_messages, "
                                             "wait_for_message or search).")]
Subject = Annotated[str | None, Field(description="Only mail whose subject contains this.",
                                      max_length=200)]
Sender = Annotated[str | None, Field(description="Only mail whose sender's address or name "
                                                 "contains this.", max_length=200)]
Tag = Annotated[str | None, Field(description="Only mail sent to name+TAG@domain (a "
                                              "plus-address tag).", max_length=64)]


def build_server(mayfly: Mayfly) -> MCPServer:
    """The stdio server's tools, each one or two native API calls."""
    server: MCPServer = MCPServer("mayfly", log_level="WARNING")

    def call(work: Callable[[], T]) -> T:
        try:
            return work()
        except MayflyError as exc:
            raise ToolError(f"{exc.code}: {exc.message}") from None

    def quoted(address: str) -> str:
        return "/mailboxes/" + urllib.parse.quote(address, safe="@")

    def message(message_id: int) -> dict[str, Any]:
        found = call(lambda: mayfly.get_message(message_id))
        codes = found.get("codes") or []
        found["code"] = codes[0]["value"] if codes else None
        found.setdefault("main_link", None)
        return found

    @server.tool(annotations=READ)
    def list_domains() -> dict[str, Any]:
        """The domains Mayfly receives mail for; the first is the default."""
        answer = call(lambda: mayfly._call("GET", "/domains"))
        return {"domains": [d["name"] for d in answer["domains"]]}

    @server.tool(annotations=WRITE)
    def create_mailbox(
        local: Annotated[str | None, Field(
            description="The part before @ (letters, digits, . _ -); random when omitted.",
            max_length=64)] = None,
        domain: Annotated[str | None, Field(
            description="One of list_domains; the default domain when omitted.",
            max_length=253)] = None,
        ttl_seconds: Annotated[int | None, Field(
            description="Let it expire this many seconds from now; it never lives longer "
                        "than an owned mailbox does.", ge=60, le=366 * 24 * 3600)] = None,
    ) -> dict[str, Any]:
        """Create a mailbox owned by your API key's user: only that key reads it. Returns its
        address and when it expires."""
        made = call(lambda: mayfly.create_mailbox(local, domain=domain, ttl=ttl_seconds))
        return {"address": made.address, "protected": True, "expires_at": made.expires_at}

    @server.tool(annotations=READ)
    def list_messages(
        address: Address,
        limit: Annotated[int, Field(ge=1, description=f"At most this many (capped at "
                                                      f"{MAX_LIMIT}).")] = 20,
        cursor: Annotated[int | None, Field(description="next_cursor of the previous page.")]
        = None,
        subject: Subject = None, sender: Sender = None, tag: Tag = None,
    ) -> dict[str, Any]:
        """Summaries of a mailbox's messages, newest first; next_cursor pages back."""
        capped = min(limit, MAX_LIMIT)
        page = call(lambda: mayfly._call("GET", quoted(address) + "/messages", query={
            "limit": capped, "cursor": cursor, "subject": subject, "from": sender,
            "tag": tag}))
        cursor_next = page.get("next_cursor")
        return {"address": address, "limit": capped, "messages": page["messages"],
                "next_cursor": None if cursor_next is None else int(cursor_next)}

    @server.tool(annotations=READ)
    def wait_for_message(
        address: Address,
        timeout_seconds: Annotated[float, Field(
            ge=0, description=f"How long to wait; at most {MAX_WAIT} (more is capped).")] = 30,
        subject: Subject = None, sender: Sender = None, tag: Tag = None,
        since: Annotated[int | None, Field(
            description="Only mail newer than this message id (of the same mailbox).")] = None,
    ) -> dict[str, Any]:
        """Wait (on the server, no polling) until a matching message is in the mailbox and
        return it whole; found is false when time ran out."""
        timeout = min(timeout_seconds, MAX_WAIT)
        page = call(lambda: mayfly._call("GET", quoted(address) + "/messages", query={
            "wait": f"{timeout:g}", "limit": 1, "since": since, "subject": subject,
            "from": sender, "tag": tag}))
        if not page["messages"]:
            return {"found": False, "timeout_seconds": timeout, "message": None}
        return {"found": True, "timeout_seconds": timeout,
                "message": message(page["messages"][0]["id"])}

    @server.tool(annotations=DELETE)
    def delete_mailbox(address: Address) -> dict[str, Any]:
        """Delete a mailbox and every message in it."""
        call(lambda: mayfly.delete_mailbox(address))
        return {"deleted": address}

    @server.tool(annotations=READ)
    def get_message(message_id: MessageId) -> dict[str, Any]:
        """A whole message: text, headers, codes (code: the most likely), links, main_link,
        attachments."""
        return message(message_id)

    @server.tool(annotations=READ)
    def get_code(message_id: MessageId) -> dict[str, Any]:
        """The one-time code in a message (null when none); codes lists every candidate."""
        found = message(message_id)
        return {"message_id": message_id, "code": found["code"], "codes": found["codes"]}

    @server.tool(annotations=READ)
    def get_link(
        message_id: MessageId,
        contains: Annotated[str | None, Field(
            description="Instead of the main link: the first link whose address or text "
                        "contains this (case-insensitive).", max_length=500)] = None,
    ) -> dict[str, Any]:
        """The main link of a message (confirm, verify, reset, sign in), or the first link
        containing `contains`; link is null when none fits."""
        found = message(message_id)
        links = found.get("links") or []
        if contains:
            wanted = contains.lower()
            link = next((x for x in links if wanted in x["url"].lower()
                         or wanted in (x.get("text") or "").lower()), None)
        else:
            link = next((x for x in links if x["url"] == found["main_link"]), None)
        return {"message_id": message_id, "links_count": len(links), "link": link}

    @server.tool(name="search", annotations=READ)
    def search_messages(
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
        page = call(lambda: mayfly._call("GET", "/search", query={
            "q": query, "mailbox": mailbox, "limit": capped}))
        cursor_next = page.get("next_cursor")
        return {"limit": capped, "messages": page["messages"],
                "next_cursor": None if cursor_next is None else int(cursor_next)}

    @server.tool(annotations=DELETE)
    def delete_message(message_id: MessageId) -> dict[str, Any]:
        """Delete one message: it is gone from every door of Mayfly."""
        call(lambda: mayfly._call("DELETE", f"/messages/{message_id}"))
        return {"deleted": message_id}

    @server.tool(annotations=WRITE)
    def add_fault(
        address: Address,
        kind: Annotated[Literal["refuse_rcpt", "refuse_data", "delay", "drop"], Field(
            description="refuse_rcpt: RCPT answered `code`; refuse_data: the message read, "
                        "then answered `code`; delay: stored, the final 250 held `seconds`; "
                        "drop: the connection closed during DATA.")],
        count: Annotated[int, Field(ge=1, le=1000,
                                    description="How many deliveries it fires on.")] = 1,
        code: Annotated[int | None, Field(ge=400, le=599, description=(
            "SMTP reply code, for refuse_rcpt and refuse_data."))] = None,
        seconds: Annotated[int | None, Field(ge=1, le=300, description=(
            "How long to hold the reply, for delay."))] = None,
    ) -> dict[str, Any]:
        """Make the next `count` deliveries to a mailbox you own fail in a chosen way."""
        return call(lambda: mayfly.add_fault(address, kind, count=count, code=code,
                                             seconds=seconds))

    @server.tool(annotations=DELETE)
    def clear_faults(address: Address) -> dict[str, Any]:
        """Remove every fault rule of a mailbox you own."""
        rules = call(lambda: mayfly.faults(address))
        for rule in rules:
            call(lambda rule_id=rule["id"]: mayfly.delete_fault(address, rule_id))
        return {"address": address, "removed": [
            {"id": r["id"], "kind": r["kind"], "fired": r["fired"]} for r in rules]}

    return server


def main() -> int:
    """Serve on stdio until the host closes standard input."""
    url = os.environ.get("MAYFLY_URL", "").strip()
    key = os.environ.get("MAYFLY_API_KEY", "").strip()
    if not url or not key:
        print("mayfly-mcp: set MAYFLY_URL (e.g. https://mail.example.com) and MAYFLY_API_KEY",
              file=sys.stderr)
        return 2
    try:
        mayfly = Mayfly(url, api_key=key)
    except ValueError as exc:
        print(f"mayfly-mcp: MAYFLY_URL: {exc}", file=sys.stderr)
        return 2
    build_server(mayfly).run("stdio")
    return 0


if __name__ == "__main__":
    sys.exit(main())
