"""`python -m app.mcp`: the MCP door as a process of its own, beside gunicorn and the SMTP
sidecar, on MCP_HOST:MCP_PORT (127.0.0.1:8025 by default), with the same settings and store.

SIGTERM or Ctrl-C ends every open wait at once (the new-mail watcher closes), lets answers
under way finish within STOP_SECONDS, and exits.
"""

from __future__ import annotations

import signal
import socket
import sys
from types import FrameType

import uvicorn

from app import create_app, dispose
from app.config import load_or_report
from app.mcp.server import asgi_app
from app.services.runtime import changes

STOP_SECONDS = 5


def main() -> int:
    settings = load_or_report()
    if settings is None:
        return 2
    host, port = settings.mcp_host, settings.mcp_port
    flask_app = create_app(settings)

    class Server(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets)
            if self.started:  # printed once it really listens
                print(f"mayfly: MCP  on http://{host}:{port}/mcp", flush=True)

        def handle_exit(self, sig: int, frame: FrameType | None) -> None:
            """A stop asked for: every held wait answers now, then a clean exit (0); a
            second Ctrl-C stops at once."""
            changes.close_all([flask_app])
            if self.should_exit and sig == signal.SIGINT:
                self.force_exit = True
            self.should_exit = True

    config = uvicorn.Config(asgi_app(flask_app), host=host, port=port, log_level="warning",
                            timeout_graceful_shutdown=STOP_SECONDS, lifespan="on")
    try:
        Server(config).run()
    finally:
        dispose(flask_app)
    return 0


if __name__ == "__main__":
    sys.exit(main())
