"""Fault tools: make the next deliveries to one of your mailboxes fail, to test the retry code
of the system that mails it (app.services.ingest.faults), and clear them again."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context, MCPServer
from mcp.types import ToolAnnotations
from pydantic import Field

from app.mcp.calls import Door
from app.mcp.tools_mailboxes import Address
from app.services.access import Principal
from app.services.errors import Unauthorized
from app.services.ingest import faults
from app.services.summaries import iso


def _owner(principal: Principal) -> int:
    if principal.user_id is None:
        raise Unauthorized("Fault rules need the owner's API key.")
    return principal.user_id


def register(server: MCPServer, door: Door) -> None:
    """Add the fault tools to the server."""

    @server.tool(annotations=ToolAnnotations(read_only_hint=False, destructive_hint=False))
    async def add_fault(
        ctx: Context, address: Address,
        kind: Annotated[Literal["refuse_rcpt", "refuse_data", "delay", "drop"], Field(
            description="refuse_rcpt: RCPT answered `code`; refuse_data: the message read, "
                        "then answered `code`; delay: stored, the final 250 held `seconds`; "
                        "drop: the connection closed during DATA.")],
        count: Annotated[int, Field(ge=1, le=faults.MAX_COUNT,
                                    description="How many deliveries it fires on.")] = 1,
        code: Annotated[int | None, Field(ge=400, le=599, description=(
            "SMTP reply code, for refuse_rcpt and refuse_data."))] = None,
        seconds: Annotated[int | None, Field(ge=1, le=faults.MAX_DELAY, description=(
            "How long to hold the reply, for delay."))] = None,
    ) -> dict[str, Any]:
        """Make the next `count` deliveries to a mailbox you own fail in a chosen way."""
        def work(principal: Principal) -> dict[str, Any]:
            rule = faults.add(_owner(principal), address, kind=kind, count=count, code=code,
                              seconds=seconds)
            return {"id": rule.id, "kind": rule.kind, "code": rule.code,
                    "seconds": rule.seconds, "remaining": rule.remaining,
                    "created_at": iso(rule.created_at)}
        return await door.call(ctx, work)

    @server.tool(annotations=ToolAnnotations(read_only_hint=False, destructive_hint=True))
    async def clear_faults(ctx: Context, address: Address) -> dict[str, Any]:
        """Remove every fault rule of a mailbox you own; mail is delivered normally again.
        Says how often each removed rule had fired."""
        def work(principal: Principal) -> dict[str, Any]:
            user_id = _owner(principal)
            removed = []
            for rule in faults.rules(user_id, address):
                removed.append({"id": rule.id, "kind": rule.kind, "fired": rule.fired})
                faults.remove(user_id, address, rule.id)
            return {"address": address, "removed": removed}
        return await door.call(ctx, work)
