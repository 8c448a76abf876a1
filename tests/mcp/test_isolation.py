"""Tenancy through the MCP door, as in the native API: another key's mailbox or message is
"not found", never its content; no key, an unknown key and a revoked key get 401."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import anyio
import anyio.to_thread
import pytest
from mcp.shared.exceptions import MCPError

from app.services.accounts import api_keys, plans, users
from tests.mcp.conftest import call, connected, refused

INITIALIZE = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
    "protocolVersion": "2025-06-18", "capabilities": {},
    "clientInfo": {"name": "raw", "version": "1"}}}


def post(url: str, body: bytes, key: str | None = None) -> tuple[int, bytes]:
    """One raw HTTP POST to the door: (status, body)."""
    headers = {"Content-Type": "application/json",
               "Accept": "application/json, text/event-stream"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_another_keys_mailbox_and_message_are_not_found(mcp_url, make_user, api_key_for,
                                                         send_mail):
    make_user("owner@example.org")
    make_user("stranger@example.org")
    owner, stranger = api_key_for("owner@example.org"), api_key_for("stranger@example.org")

    async def scenario():
        async with connected(mcp_url, owner) as mine:
            box = await call(mine, "create_mailbox", local="private-box")
            await anyio.to_thread.run_sync(lambda: send_mail(
                box["address"], subject="Secret", text="Your code is 918273."))
            message = (await call(mine, "wait_for_message", address=box["address"]))["message"]
        address, message_id = box["address"], message["id"]
        async with connected(mcp_url, stranger) as theirs:
            errors = {
                "list": await refused(theirs, "list_messages", address=address),
                "wait": await refused(theirs, "wait_for_message", address=address,
                                      timeout_seconds=1),
                "message": await refused(theirs, "get_message", message_id=message_id),
                "code": await refused(theirs, "get_code", message_id=message_id),
                "link": await refused(theirs, "get_link", message_id=message_id),
                "delete message": await refused(theirs, "delete_message", message_id=message_id),
                "delete mailbox": await refused(theirs, "delete_mailbox", address=address),
                "fault": await refused(theirs, "add_fault", address=address, kind="drop"),
                "search in it": await refused(theirs, "search", query="", mailbox=address),
            }
            everywhere = await call(theirs, "search", query="secret")
        async with connected(mcp_url, owner) as mine:
            still = await call(mine, "get_code", message_id=message_id)
        return errors, everywhere, still

    errors, everywhere, still = anyio.run(scenario)
    for what, text in errors.items():
        assert "not_found" in text, what
        assert "918273" not in text and "Secret" not in text, what
    assert errors["message"].endswith("message_not_found: No such message.")
    assert errors["list"].endswith("mailbox_not_found: No such mailbox.")
    assert everywhere["messages"] == []
    assert still["code"] == "918273"  # the stranger deleted nothing


def test_no_key_an_unknown_key_and_a_revoked_key_get_401(mcp_url, app, make_user):
    make_user("agent@example.org")
    with app.app_context():
        made = api_keys.create_key(users.find_by_email("agent@example.org"), "agent")
    body = json.dumps(INITIALIZE).encode()
    assert post(mcp_url, body, made.secret)[0] == 200
    for key in (None, "mf_00000000_unknown", "mbx_not-an-api-key"):
        status, answer = post(mcp_url, body, key)
        assert status == 401, key
        assert json.loads(answer)["error"] == "invalid_token"

    async def listed():
        async with connected(mcp_url, made.secret) as client:
            return await call(client, "list_domains")

    assert anyio.run(listed)["domains"]
    with app.app_context():
        api_keys.revoke_by_prefix(made.key.prefix)
    assert post(mcp_url, body, made.secret)[0] == 401  # from the next request on


@pytest.mark.parametrize("tool", ["list_domains", "create_mailbox"])
def test_a_key_revoked_mid_session_opens_nothing_more(mcp_url, app, make_user, tool):
    user_id = make_user("agent@example.org")
    with app.app_context():
        made = api_keys.create_key(users.find_by_email("agent@example.org"), "agent")

    async def scenario():
        async with connected(mcp_url, made.secret) as client:
            await call(client, "list_domains")
            with app.app_context():
                api_keys.revoke_by_prefix(made.key.prefix)
            await client.call_tool(tool, {})

    with pytest.raises(ExceptionGroup) as raised:  # the transport's 401 ends the session
        anyio.run(scenario)
    assert raised.group_contains(MCPError, depth=None)
    with app.app_context():
        assert plans.mailboxes_used(user_id) == 0
