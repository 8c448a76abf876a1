"""Authorization: Bearer <API key or mailbox token> → the Principal the services check.

`mf_…` is a user's API key (the API then acts as that user, with admin reach only for a key
made with admin scope whose user is still an admin); `mbx_…` opens one protected mailbox.
Resolved once per request and kept on `g`.
"""

from __future__ import annotations

from flask import g, request

from app.http.credentials import bearer_token
from app.models import User
from app.services.access import ANONYMOUS, Principal
from app.services.accounts import api_keys
from app.services.errors import Unauthorized
from app.services.mailbox_life import mailbox_tokens


def current_principal() -> Principal:
    """Nobody in particular without a header; a credential that opens nothing is 401."""
    if "principal" not in g:
        g.principal, g.api_user = _authenticate()
    return g.principal


def current_user() -> User | None:
    """The user whose API key made this request, if one did."""
    current_principal()
    return g.api_user


def _authenticate() -> tuple[Principal, User | None]:
    if not request.headers.get("Authorization"):
        return ANONYMOUS, None
    token = bearer_token()
    if token is None:
        raise Unauthorized("Use 'Authorization: Bearer <token>'.")
    if api_keys.is_api_key(token):
        holder = api_keys.holder(token)
        if holder is None:
            raise Unauthorized("That API key is not valid or was revoked.")
        # The user's own scope, even for an admin, unless the key was made with admin scope.
        return holder.principal, holder.user
    mailbox_id = mailbox_tokens.find_id_by_token(token)
    if mailbox_id is None:
        raise Unauthorized("That token opens no mailbox.")
    return Principal(mailbox_ids=frozenset({mailbox_id})), None
