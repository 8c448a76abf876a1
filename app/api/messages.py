"""Message routes: read, mark seen, delete, raw source, attachments."""

from __future__ import annotations

from flask import Response, jsonify

from app.api import bp, inputs
from app.api.auth import current_principal
from app.api.serializers import message_full, message_summary
from app.http import response_cache
from app.http.downloads import attachment_response, raw_response
from app.services.errors import InvalidInput
from app.services.stored_mail import messages


@bp.get("/messages/<int:message_id>")
def message_get(message_id: int) -> Response:
    """The whole parsed message with its attachments' download URLs."""
    principal = current_principal()
    ref = messages.peek(message_id, principal)
    # A stored message changes only in its read flag and once when its verdicts come:
    # answered from the cache.
    key = ("api-message", message_id, ref.seen, ref.auth_pending)
    cached = response_cache.cached_json(key)
    if cached is not None:
        return cached
    opened = messages.open_message(message_id, principal)
    return response_cache.keep_json(key, jsonify(message_full(opened.message, opened.address)))


@bp.patch("/messages/<int:message_id>")
def message_update(message_id: int) -> Response:
    """Mark read or unread: {"seen": true}."""
    body = inputs.json_object()
    if set(body) != {"seen"} or not isinstance(body["seen"], bool):
        raise InvalidInput('Send {"seen": true} or {"seen": false}.')
    opened = messages.set_seen(message_id, current_principal(), body["seen"])
    return jsonify(message_summary(opened.message))


@bp.delete("/messages/<int:message_id>")
def message_delete(message_id: int) -> tuple[str, int]:
    """Gone from every door."""
    messages.delete_message(message_id, current_principal())
    return "", 204


@bp.get("/messages/<int:message_id>/raw")
def message_raw(message_id: int) -> Response:
    """The message exactly as received."""
    opened = messages.open_message(message_id, current_principal(), bodies=False,
                                   attachments=False)
    return raw_response(opened.message, "message/rfc822", f"{message_id}.eml")


@bp.get("/messages/<int:message_id>/attachments/<attachment_id>")
def attachment_download(message_id: int, attachment_id: str) -> Response:
    """The attachment's bytes, always as a download, never rendered in our origin."""
    part = messages.attachment(message_id, current_principal(), attachment_id=attachment_id)
    return attachment_response(part)

