"""Resources: a mailbox's recent mail, for agents that read context rather than call tools."""

from __future__ import annotations

import json
from typing import Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ToolError

from app.mcp.calls import Door
from app.mcp.shapes import summary_json
from app.services.access import Principal
from app.services.stored_mail import pages

RECENT = 20


def register(server: MCPServer, door: Door) -> None:
    """Add the resources to the server."""

    @server.resource("mayfly://mailboxes/{address}/recent", mime_type="application/json")
    async def recent_mail(address: str, ctx: Context) -> str:
        """The newest messages of a mailbox your API key may read (summaries, newest first)."""
        def work(principal: Principal) -> dict[str, Any]:
            page = pages.list_messages(address, principal, limit=RECENT)
            return {"address": address, "messages": [summary_json(r) for r in page.items]}
        try:
            return json.dumps(await door.call(ctx, work))
        except ToolError as exc:  # the same "not found" a tool would say
            raise ResourceError(str(exc)) from None
