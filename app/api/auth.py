"""Authorization: Bearer <mailbox token> → the Principal the services check."""

from __future__ import annotations

from flask import request

from app.services import mailboxes
from app.services.access import ANONYMOUS, Principal
from app.services.errors import Unauthorized


def current_principal() -> Principal:
    """Nobody in particular without a header; a token that opens nothing is 401."""
    header = request.headers.get("Authorization", "")
    if not header:
        return ANONYMOUS
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Use 'Authorization: Bearer <token>'.")
    mailbox_id = mailboxes.find_id_by_token(token.strip())
    if mailbox_id is None:
        raise Unauthorized("That token opens no mailbox.")
    return Principal(mailbox_ids=frozenset({mailbox_id}))
