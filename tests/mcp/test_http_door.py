"""An agent's sign-up test through the MCP door: the official SDK's client over streamable
HTTP against `python -m app.mcp`, mail over real SMTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import anyio
import anyio.to_thread

from tests.mcp.conftest import call, connected

TOOLS = {
    "list_domains": set(),
    "create_mailbox": {"local", "domain", "ttl_seconds"},
    "list_messages": {"address", "limit", "cursor", "subject", "sender", "tag"},
    "wait_for_message": {"address", "timeout_seconds", "subject", "sender", "tag", "since"},
    "delete_mailbox": {"address"},
    "get_message": {"message_id"},
    "get_code": {"message_id"},
    "get_link": {"message_id", "contains"},
    "search": {"query", "mailbox", "limit"},
    "delete_message": {"message_id"},
    "add_fault": {"address", "kind", "count", "code", "seconds"},
    "clear_faults": {"address"},
}
REQUIRED = {"list_messages": ["address"], "wait_for_message": ["address"],
            "delete_mailbox": ["address"], "get_message": ["message_id"],
            "get_code": ["message_id"], "get_link": ["message_id"],
            "delete_message": ["message_id"], "add_fault": ["address", "kind"],
            "clear_faults": ["address"]}
SIGN_UP = {"sender": "Acme <no-reply@acme.example>", "subject": "Confirm your Acme account",
           "text": "Your verification code is 482913.\n",
           "html": '<p>Your verification code is <b>482913</b>.</p>'
                   '<p><a href="https://acme.example/verify?t=9">Confirm your account</a> '
                   '<a href="https://acme.example/help">Help</a></p>'}


def test_every_tool_has_its_schema_and_a_description(mcp_url, make_user, api_key_for):
    make_user("agent@example.org")
    key = api_key_for("agent@example.org")

    async def scenario():
        async with connected(mcp_url, key) as client:
            return (await client.list_tools()).tools

    tools = {tool.name: tool for tool in anyio.run(scenario)}
    assert {name: set(t.input_schema["properties"]) for name, t in tools.items()} == TOOLS
    for name, tool in tools.items():
        assert tool.input_schema["type"] == "object"
        assert sorted(tool.input_schema.get("required", [])) == REQUIRED.get(name, [])
        assert len(tool.description or "") > 20, name
        for field, schema in tool.input_schema["properties"].items():
            assert schema.get("description"), f"{name}.{field}"
    wait = tools["wait_for_message"].input_schema["properties"]
    assert wait["timeout_seconds"]["minimum"] == 0
    fault = tools["add_fault"].input_schema["properties"]
    assert fault["kind"]["enum"] == ["refuse_rcpt", "refuse_data", "delay", "drop"]
    assert tools["get_code"].input_schema["properties"]["message_id"]["type"] == "integer"


def test_sign_up_flow_create_wait_code_link(mcp_url, make_user, api_key_for, send_mail):
    make_user("agent@example.org")
    key = api_key_for("agent@example.org")

    async def scenario():
        async with connected(mcp_url, key) as client:
            box = await call(client, "create_mailbox", local="signup-agent", ttl_seconds=600)
            assert box["address"] == "signup-agent@mayfly.test"
            assert box["protected"] is True
            expires_in = datetime.fromisoformat(box["expires_at"]) - datetime.now(UTC)
            assert timedelta(minutes=8) < expires_in <= timedelta(minutes=10)
            answers = {}

            async def wait():
                answers["wait"] = await call(client, "wait_for_message", address=box["address"],
                                             subject="Confirm", timeout_seconds=30)

            async with anyio.create_task_group() as group:
                group.start_soon(wait)
                await anyio.to_thread.run_sync(lambda: (
                    send_mail(box["address"], subject="Newsletter", text="code 111111"),
                    send_mail(box["address"], **SIGN_UP)))
            found = answers["wait"]
            assert found["found"] is True
            message = found["message"]
            assert message["subject"] == "Confirm your Acme account"
            assert message["from"] == {"name": "Acme", "address": "no-reply@acme.example"}
            code = await call(client, "get_code", message_id=message["id"])
            link = await call(client, "get_link", message_id=message["id"])
            help_link = await call(client, "get_link", message_id=message["id"], contains="HELP")
            whole = await call(client, "get_message", message_id=message["id"])
            listed = await call(client, "list_messages", address=box["address"])
            return code, link, help_link, whole, listed

    code, link, help_link, whole, listed = anyio.run(scenario)
    assert code["code"] == "482913"
    assert code["codes"][0]["value"] == "482913"
    assert link["link"] == {"url": "https://acme.example/verify?t=9",
                            "text": "Confirm your account"}
    assert help_link["link"]["url"] == "https://acme.example/help"
    assert whole["main_link"] == "https://acme.example/verify?t=9"
    assert "482913" in whole["html_as_text"] and "<b>" not in whole["html_as_text"]
    assert whole["text"].startswith("Your verification code is 482913.")
    assert {"name": "Subject", "value": "Confirm your Acme account"} in whole["headers"]
    assert whole["seen"] is True  # get_message marks it read
    assert [m["subject"] for m in listed["messages"]] == ["Confirm your Acme account",
                                                          "Newsletter"]
    assert listed["messages"][0]["seen"] is True


def test_attachments_search_delete_and_recent_mail(mcp_url, make_user, api_key_for, send_mail):
    make_user("agent@example.org")
    key = api_key_for("agent@example.org")

    async def scenario():
        async with connected(mcp_url, key) as client:
            box = await call(client, "create_mailbox")
            await anyio.to_thread.run_sync(lambda: send_mail(
                box["address"], subject="Invoice 7", text="Attached.",
                attachments=[("invoice.pdf", "application/pdf", b"%PDF-1.4 x" * 10)]))
            found = (await call(client, "wait_for_message", address=box["address"]))["message"]
            hits = await call(client, "search", query="subject:invoice has:attachment")
            recent = await client.read_resource(f"mayfly://mailboxes/{box['address']}/recent")
            gone = await call(client, "delete_message", message_id=found["id"])
            after = await call(client, "list_messages", address=box["address"])
            deleted = await call(client, "delete_mailbox", address=box["address"])
            domains = await call(client, "list_domains")
            return found, hits, recent, gone, after, deleted, domains

    found, hits, recent, gone, after, deleted, domains = anyio.run(scenario)
    assert found["attachments"] == [{
        "id": found["attachments"][0]["id"], "filename": "invoice.pdf",
        "content_type": "application/pdf", "size": 100, "inline": False, "content_id": None}]
    assert [(m["id"], m["mailbox"]) for m in hits["messages"]] == [(found["id"],
                                                                     found["mailbox"])]
    assert '"Invoice 7"' in recent.contents[0].text
    assert gone == {"deleted": found["id"], "mailbox": found["mailbox"]}
    assert after["messages"] == []
    assert deleted == {"deleted": found["mailbox"]}
    assert domains == {"domains": ["mayfly.test", "other.test"]}


def test_faults_are_added_and_cleared(mcp_url, make_user, api_key_for, send_mail):
    import smtplib

    import pytest

    make_user("agent@example.org")
    key = api_key_for("agent@example.org")

    async def add(client, address):
        return await call(client, "add_fault", address=address, kind="refuse_rcpt",
                          code=451, count=5)

    async def scenario():
        async with connected(mcp_url, key) as client:
            box = await call(client, "create_mailbox", local="flaky")
            rule = await add(client, box["address"])
            with pytest.raises(smtplib.SMTPRecipientsRefused):
                await anyio.to_thread.run_sync(lambda: send_mail(box["address"]))
            cleared = await call(client, "clear_faults", address=box["address"])
            await anyio.to_thread.run_sync(lambda: send_mail(box["address"]))
            listed = await call(client, "list_messages", address=box["address"])
            return rule, cleared, listed

    rule, cleared, listed = anyio.run(scenario)
    assert (rule["kind"], rule["code"], rule["remaining"]) == ("refuse_rcpt", 451, 5)
    assert cleared["removed"] == [{"id": rule["id"], "kind": "refuse_rcpt", "fired": 1}]
    assert len(listed["messages"]) == 1
