"""GET /api/v1/search?q=&mailbox=&limit=&cursor=: the search language (app.mail.search_query)
over one mailbox or every mailbox the caller may read, shaped like a mailbox listing."""

from __future__ import annotations

from flask import Response, jsonify, request

from app.api import bp, inputs
from app.api.auth import current_principal
from app.api.serializers import message_summary
from app.services.stored_mail import search


@bp.get("/search")
def search_messages() -> Response:
    """Newest first; each summary carries its `mailbox`; `next_cursor` pages on."""
    found = search.find(current_principal(), request.args.get("q", ""),
                        mailbox=request.args.get("mailbox") or None,
                        limit=inputs.query_int("limit", 50), cursor=inputs.query_int("cursor"))
    return jsonify({
        "messages": [{**message_summary(row), "mailbox": row.address} for row in found.items],
        "next_cursor": None if found.next_cursor is None else str(found.next_cursor),
    })
