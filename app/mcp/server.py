"""The MCP server and its ASGI app: every tool and resource, bearer auth over API keys, a
small request body limit, and the Host names it answers to.

Stateless streamable HTTP: each POST to /mcp is one request with its own credential, held by
no process memory between requests, so several MCP processes can stand behind one proxy.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask
from mcp.server.auth.settings import AuthSettings
from mcp.server.mcpserver import MCPServer
from mcp.server.transport_security import TransportSecuritySettings
from starlette.applications import Starlette

from app.mcp import resources, tools_faults, tools_mailboxes, tools_messages
from app.mcp.auth import ApiKeyVerifier
from app.mcp.calls import Door

PATH = "/mcp"
# A tool call's arguments are a few short strings: anything larger is refused (413).
MAX_BODY_BYTES = 64 * 1024
LOOPBACK = ("127.0.0.1", "localhost", "[::1]")
INSTRUCTIONS = (
    "Mayfly gives you disposable mailboxes. create_mailbox makes one (owned by your API key), "
    "wait_for_message waits for mail to it without polling, get_code and get_link read the "
    "one-time code or the confirm/verify link of a message."
)


def build_server(flask_app: Flask) -> MCPServer:
    """Every Mayfly tool and resource on one MCP server, authenticated by API keys."""
    settings = flask_app.config["MAYFLY"]
    server: MCPServer = MCPServer(
        "mayfly", instructions=INSTRUCTIONS, token_verifier=ApiKeyVerifier(flask_app),
        auth=AuthSettings(issuer_url=settings.public_url, resource_server_url=None),
        log_level="WARNING")
    door = Door(flask_app)
    for area in (tools_mailboxes, tools_messages, tools_faults, resources):
        area.register(server, door)
    return server


def asgi_app(flask_app: Flask) -> Starlette:
    """The ASGI app serving MCP at /mcp."""
    return build_server(flask_app).streamable_http_app(
        streamable_http_path=PATH, stateless_http=True, max_request_body_size=MAX_BODY_BYTES,
        transport_security=transport_security(flask_app.config["MAYFLY"].public_url))


def transport_security(public_url: str) -> TransportSecuritySettings:
    """Answer only to loopback names and PUBLIC_URL's host (DNS rebinding protection): behind
    a proxy, the proxy passes the public Host on."""
    public = urlsplit(public_url)
    hosts = [f"{name}:*" for name in LOOPBACK] + list(LOOPBACK) + [public.netloc]
    origins = [f"http://{name}:*" for name in LOOPBACK] + [f"{public.scheme}://{public.netloc}"]
    if public.port is None and public.hostname:
        hosts.append(f"{public.hostname}:*")
    return TransportSecuritySettings(enable_dns_rebinding_protection=True,
                                     allowed_hosts=hosts, allowed_origins=origins)
