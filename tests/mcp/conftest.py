"""The MCP door as a real process (`python -m app.mcp`) on a free port, over the test's
database, and the official SDK's client talking to it over a real socket."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx2
import pytest
from flask import Flask
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from app import ROOT
from app.config import Settings
from tests.conftest import free_port
from tests.launch import wait_until_up


def door_environment(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment a Mayfly process needs to share this test's store and settings."""
    return {**os.environ, "DATABASE_URL": settings.database_url,
            "SECRET_KEY": settings.secret_key, "MAIL_DOMAINS": ",".join(settings.mail_domains),
            "INSTANCE_PATH": str(settings.instance_path), "PUBLIC_URL": settings.public_url,
            "AUTH_DNS_SERVERS": ",".join(settings.auth_dns_servers),
            "PASSWORD_SCRYPT_N": str(settings.password_scrypt_n), **extra}


@pytest.fixture
def start_door(app: Flask, settings: Settings, tmp_path: Path) -> Iterator[Callable[..., str]]:
    """Starts `python -m app.mcp` on a free port (extra environment variables as keywords);
    returns its /mcp URL once it accepts connections. Stopped with SIGTERM after the test:
    it must exit 0."""
    started: list[tuple[subprocess.Popen, Path]] = []

    def start(**extra: str) -> str:
        port = free_port()
        log = tmp_path / f"mcp-{port}.log"
        with log.open("w") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "app.mcp"], cwd=ROOT, stdout=out,
                stderr=subprocess.STDOUT, env=door_environment(
                    settings, MCP_HOST="127.0.0.1", MCP_PORT=str(port), **extra))
        started.append((process, log))

        def up() -> None:
            if process.poll() is not None:
                raise AssertionError(f"the MCP door exited: {log.read_text()}")
            socket.create_connection(("127.0.0.1", port), timeout=2).close()

        wait_until_up(up, "the MCP door")
        return f"http://127.0.0.1:{port}/mcp"

    yield start
    for process, log in started:
        process.send_signal(signal.SIGTERM)
        try:
            code = process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
        print(log.read_text())  # shown with a failing test
        assert code == 0


@pytest.fixture
def mcp_url(start_door: Callable[..., str]) -> str:
    """The MCP door with the test's settings."""
    return start_door()


@asynccontextmanager
async def connected(url: str, key: str | None) -> AsyncIterator[Client]:
    """The official SDK's client over streamable HTTP, sending `key` as a bearer token."""
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    http = httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(30, read=120))
    async with http, Client(streamable_http_client(url, http_client=http)) as client:
        yield client


async def call(client: Client, tool: str, **arguments: Any) -> dict[str, Any]:
    """A tool's structured answer; fails the test on a tool error."""
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, result.content
    assert isinstance(result.structured_content, dict)
    return result.structured_content


async def refused(client: Client, tool: str, **arguments: Any) -> str:
    """The error text of a tool call that must fail."""
    result = await client.call_tool(tool, arguments)
    assert result.is_error, result.structured_content
    return " ".join(getattr(part, "text", "") for part in result.content)
