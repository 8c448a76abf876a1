"""What one agent can ask of the MCP door is bounded: waits (their length, and how many a
user holds), page sizes, search queries and request bodies."""

from __future__ import annotations

import json

import anyio
import anyio.to_thread

from tests.mcp.conftest import call, connected, refused
from tests.mcp.test_isolation import INITIALIZE, post


def test_a_wait_asked_for_an_hour_is_held_at_most_the_cap(mcp_url, make_user, api_key_for,
                                                          send_mail):
    make_user("agent@example.org")
    key = api_key_for("agent@example.org")

    async def scenario():
        async with connected(mcp_url, key) as client:
            box = await call(client, "create_mailbox")
            answers = {}

            async def wait():
                answers["wait"] = await call(client, "wait_for_message", address=box["address"],
                                             timeout_seconds=3600)

            async with anyio.create_task_group() as group:
                group.start_soon(wait)
                await anyio.to_thread.run_sync(lambda: send_mail(box["address"]))
            return answers["wait"]

    answer = anyio.run(scenario)
    assert answer["timeout_seconds"] == 60
    assert answer["found"] is True


def test_pages_are_capped(mcp_url, make_user, api_key_for, send_mail):
    make_user("agent@example.org")
    key = api_key_for("agent@example.org")

    async def scenario():
        async with connected(mcp_url, key) as client:
            box = await call(client, "create_mailbox")
            await anyio.to_thread.run_sync(lambda: send_mail(box["address"]))
            listed = await call(client, "list_messages", address=box["address"], limit=10**9)
            found = await call(client, "search", query="", limit=10**9)
            return listed, found

    listed, found = anyio.run(scenario)
    assert (listed["limit"], len(listed["messages"])) == (100, 1)
    assert (found["limit"], len(found["messages"])) == (100, 1)


def test_a_huge_search_query_is_refused_with_its_reason(mcp_url, make_user, api_key_for):
    make_user("agent@example.org")
    key = api_key_for("agent@example.org")

    async def scenario():
        async with connected(mcp_url, key) as client:
            return (await refused(client, "search", query="word " * 10_000),
                    await refused(client, "search", query=" ".join(["a"] * 30)))

    too_long, too_many = anyio.run(scenario)
    assert "at most 1000 characters" in too_long
    assert too_many.endswith("invalid: A query has at most 20 terms.")


def test_an_oversized_request_body_is_refused(mcp_url, make_user, api_key_for):
    make_user("agent@example.org")
    key = api_key_for("agent@example.org")
    padded = {**INITIALIZE, "params": {**INITIALIZE["params"], "padding": "x" * 100_000}}
    status, body = post(mcp_url, json.dumps(padded).encode(), key)
    assert (status, body) == (413, b"Request body too large")
    assert post(mcp_url, json.dumps(INITIALIZE).encode(), key)[0] == 200


def test_a_user_holds_at_most_their_share_of_waits(start_door, make_user, api_key_for,
                                                   send_mail):
    url = start_door(WAIT_MAX_PER_CLIENT="1")
    make_user("agent@example.org")
    key = api_key_for("agent@example.org")

    async def scenario():
        async with connected(url, key) as client:
            box = await call(client, "create_mailbox")
            answers = []

            async def wait():
                answers.append(await client.call_tool("wait_for_message", {
                    "address": box["address"], "timeout_seconds": 60}))
                if len(answers) == 1:  # the refused one: now end the other
                    await anyio.to_thread.run_sync(lambda: send_mail(box["address"]))

            async with anyio.create_task_group() as group:
                group.start_soon(wait)
                group.start_soon(wait)
            return answers

    refused_one, held_one = anyio.run(scenario)
    assert refused_one.is_error
    assert "too_many_waits: This user holds 1 of 1 waits already" in refused_one.content[0].text
    assert not held_one.is_error and held_one.structured_content["found"] is True
