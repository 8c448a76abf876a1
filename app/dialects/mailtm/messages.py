"""An account's mail in mail.tm's shapes: the paged list, one message, its changes, its raw
source and parts. Every read is scoped to the account's own mailbox."""

from __future__ import annotations

from typing import Any

from flask import Response, request

from app.dialects._common import raw_text
from app.dialects.mailtm import bp
from app.dialects.mailtm.accounts import current_account, principal
from app.dialects.mailtm.jsonld import answer, collection, item, time
from app.http.downloads import attachment_response, raw_response
from app.models import Mailbox, Message
from app.services.errors import InvalidInput, NotFound
from app.services.ids import parse_id
from app.services.stored_mail import bulk_reads, messages

PAGE = 30


def _summary(message: Message, account: Mailbox) -> dict[str, Any]:
    public_id = str(message.public_id)
    return item("Message", f"/messages/{public_id}", {
        "id": public_id, "accountId": f"/accounts/{account.id}",
        "msgid": next((v for k, v in message.headers or [] if k.lower() == "message-id"), ""),
        "from": {"address": message.from_addr, "name": message.from_name},
        "to": [{"address": a.get("address", ""), "name": a.get("name", "")}
               for a in message.to_addrs or []] or [{"address": account.address, "name": ""}],
        "subject": message.subject, "intro": message.preview, "seen": message.seen,
        "isDeleted": False, "hasAttachments": message.has_attachments, "size": message.size,
        "downloadUrl": f"/messages/{public_id}/download",
        "createdAt": time(message.received_at), "updatedAt": time(message.received_at)})


def _full(message: Message, account: Mailbox, asked_id: str) -> dict[str, Any]:
    """The summary and the rest; attachment links repeat the id as the client wrote it."""
    return {
        **_summary(message, account),
        "cc": [{"address": a.get("address", ""), "name": a.get("name", "")}
               for a in message.cc_addrs or []],
        "bcc": [], "flagged": False, "verifications": [], "retention": True,
        "retentionDate": time(message.received_at), "text": message.text_body,
        "html": [message.html_body] if message.html_body else [],
        "attachments": [{
            "id": a.public_id, "filename": a.filename, "contentType": a.content_type,
            "disposition": "inline" if a.inline else "attachment",
            "transferEncoding": "base64", "related": bool(a.inline), "size": a.size,
            "downloadUrl": f"/messages/{asked_id}/attachment/{a.public_id}"}
            for a in message.attachments]}


@bp.get("/messages")
def messages_list() -> Response:
    """The account's messages, newest first, 30 a page."""
    account = current_account()
    page = parse_id(request.args.get("page") or "1", 100_000) or 1
    total, items = bulk_reads.at_offset(account.address, principal(), (page - 1) * PAGE, PAGE)
    members = [_summary(m, account) for m in items]
    return answer(collection("Message", "/messages", members, total))


def _message_id(text: str) -> int:
    public_id = parse_id(text)
    if public_id is None:
        raise NotFound()
    return public_id


def _open(message_id: str, **options: bool) -> Message:
    return messages.open_message(_message_id(message_id), principal(),
                                 address=current_account().address, **options).message


@bp.get("/messages/<message_id>")
def message_show(message_id: str) -> Response:
    """One message with its bodies and attachments."""
    return answer(_full(_open(message_id), current_account(), message_id))


@bp.patch("/messages/<message_id>")
def message_update(message_id: str) -> Response:
    """{"seen": true|false} (application/merge-patch+json)."""
    body = request.get_json(force=True, silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("seen"), bool):
        raise InvalidInput("seen: This value should be of type bool.")
    messages.set_seen(_message_id(message_id), principal(), body["seen"],
                      address=current_account().address)
    return answer({"seen": body["seen"]})


@bp.delete("/messages/<message_id>")
def message_delete(message_id: str) -> Response:
    """Gone from every door."""
    messages.delete_message(_message_id(message_id), principal(),
                            address=current_account().address)
    return Response(status=204)


@bp.get("/messages/<message_id>/download")
def message_download(message_id: str) -> Response:
    """The message exactly as received."""
    return raw_response(_open(message_id, bodies=False, attachments=False), "message/rfc822",
                        f"{message_id}.eml")


@bp.get("/messages/<message_id>/attachment/<attachment_id>")
def message_attachment(message_id: str, attachment_id: str) -> Response:
    """An attachment's bytes, always as a download."""
    return attachment_response(messages.attachment(
        _message_id(message_id), principal(), attachment_id=attachment_id,
        address=current_account().address))


@bp.get("/sources/<message_id>")
def source(message_id: str) -> Response:
    """The raw source as a JSON string, byte for byte."""
    message = _open(message_id, bodies=False, attachments=False, raw=True)
    return answer(item("Source", f"/sources/{message_id}", {
        "id": message_id, "downloadUrl": f"/messages/{message_id}/download",
        "data": raw_text(messages.raw_source(message))}))
