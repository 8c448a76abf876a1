"""Bearer authentication of the MCP door: a Mayfly API key (`mf_…`), looked up in the store
on every HTTP request (app.services.accounts.api_keys), so a revoked key is refused from the
next request on. No key, an unknown key or a revoked one: 401 before any tool runs.

Only API keys open this door: mailbox tokens and JWTs belong to the doors that issue them.
"""

from __future__ import annotations

import anyio.to_thread
from flask import Flask
from mcp.server.auth.provider import AccessToken

from app.services.accounts import api_keys


class ApiKeyVerifier:
    """The SDK's TokenVerifier over Mayfly's API keys."""

    def __init__(self, flask_app: Flask) -> None:
        self.flask_app = flask_app

    async def verify_token(self, token: str) -> AccessToken | None:
        """An AccessToken naming the key's user (client_id "user:<id>"), or None (401)."""
        if not api_keys.is_api_key(token):
            return None
        user = await anyio.to_thread.run_sync(self._user_of, token)
        if user is None:
            return None
        user_id, admin_reach = user
        # The SDK binds a session to client_id: one user's key never continues another's.
        return AccessToken(token=token, client_id=f"user:{user_id}", subject=str(user_id),
                           scopes=["admin"] if admin_reach else [])

    def _user_of(self, token: str) -> tuple[int, bool] | None:
        with self.flask_app.app_context():
            holder = api_keys.holder(token)
            return None if holder is None else (holder.user.id, holder.admin_reach)
