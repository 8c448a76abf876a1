"""`mayfly-mcp`, the client package's stdio server, started by the official SDK's stdio client
against a live Mayfly: the same tools, answered through the native API."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import anyio
import anyio.to_thread
from mcp import Client, StdioServerParameters

from tests.mcp.conftest import call, refused
from tests.mcp.test_http_door import SIGN_UP, TOOLS

MAYFLY_MCP = Path(sys.executable).with_name("mayfly-mcp")  # the console script


def stdio_server(url: str, key: str) -> StdioServerParameters:
    return StdioServerParameters(command=str(MAYFLY_MCP), env={
        **os.environ, "MAYFLY_URL": url, "MAYFLY_API_KEY": key})


def test_sign_up_flow_over_stdio(live_server, make_user, api_key_for, send_mail):
    make_user("agent@example.org")
    make_user("stranger@example.org")
    key, stranger = api_key_for("agent@example.org"), api_key_for("stranger@example.org")

    async def scenario():
        async with Client(stdio_server(live_server, key)) as client:
            tools = {t.name: set(t.input_schema["properties"])
                     for t in (await client.list_tools()).tools}
            box = await call(client, "create_mailbox", local="stdio-agent")
            answers = {}

            async def wait():
                answers["wait"] = await call(client, "wait_for_message", address=box["address"],
                                             subject="Confirm", timeout_seconds=3600)

            async with anyio.create_task_group() as group:
                group.start_soon(wait)
                await anyio.to_thread.run_sync(lambda: send_mail(box["address"], **SIGN_UP))
            message = answers["wait"]["message"]
            code = await call(client, "get_code", message_id=message["id"])
            link = await call(client, "get_link", message_id=message["id"], contains="verify")
            listed = await call(client, "list_messages", address=box["address"], limit=10**6)
        async with Client(stdio_server(live_server, stranger)) as client:
            hidden = await refused(client, "get_code", message_id=message["id"])
        return tools, box, answers["wait"], code, link, listed, hidden

    tools, box, waited, code, link, listed, hidden = anyio.run(scenario)
    assert tools == TOOLS  # the HTTP door's tools and arguments
    assert box["address"] == "stdio-agent@mayfly.test"
    assert waited["timeout_seconds"] == 60
    assert code["code"] == "482913"
    assert link["link"]["url"] == "https://acme.example/verify?t=9"
    assert listed["limit"] == 100 and len(listed["messages"]) == 1
    assert hidden.endswith("message_not_found: No such message.")


def test_mayfly_mcp_needs_its_url_and_key():
    import subprocess

    env = {k: v for k, v in os.environ.items() if k not in ("MAYFLY_URL", "MAYFLY_API_KEY")}
    done = subprocess.run([str(MAYFLY_MCP)], env=env, capture_output=True, text=True,
                          timeout=60, check=False, stdin=subprocess.DEVNULL)
    assert done.returncode == 2
    assert "MAYFLY_URL" in done.stderr and "MAYFLY_API_KEY" in done.stderr
