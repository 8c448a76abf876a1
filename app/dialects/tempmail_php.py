"""tempmail-php, seed 001: `/compat/tempmail-php/api.php/…`, no authentication.

Public mailboxes only; a protected, reserved or unknown address is the seed's 404
"Email not found". Choices where the seed and API-DIALECTS.md are silent:
- /generate takes an optional `domain` (default: the default domain); usernames are
  lower-cased, as every Mayfly address is.
- Message ids are random integers below 2^53 and attachment ids look random (derived under
  a secret key: app.services.stored_mail.attachment_numbers), so an id grants nothing that
  guessing could find; `email_address_id` is the mailbox's row id (it opens nothing).
- `file_path` is `/compat/tempmail-php/api.php/attachment/{id}`, which downloads the
  attachment while its mailbox is public.
- /stats: `total_emails` is stored messages now, `total_addresses` mailboxes now,
  `total_received` every message ever stored; `id` is always 1, as in the seed.
- Errors keep the seed's shapes: /generate's carry `"success": false`, the others do not.
"""

from __future__ import annotations

import re

from flask import Blueprint, Response, jsonify, request, url_for

from app.dialects._common import PUBLIC, install_errors, public_domains, sql_time
from app.http import response_cache
from app.http.downloads import attachment_response
from app.models.base import utcnow
from app.services.errors import (
    AddressTaken,
    InvalidInput,
    NotFound,
    ReservedAddress,
)
from app.services.mailbox_life import mailboxes
from app.services.stored_mail import bulk_reads, mailbox_states, messages, stats

PREFIX = "/compat/tempmail-php/api.php"
bp = Blueprint("tempmail_php", __name__, url_prefix=PREFIX)
USERNAME = re.compile(r"^[A-Za-z0-9]{3,20}$")
NOT_FOUND = "Email not found"


def render_error(status: int, message: str | None = None) -> Response:
    """The seed's {"error": …}; without a message, the seed's words for the status."""
    if message is None:
        message = {404: f"Invalid endpoint: {request.path.removeprefix(PREFIX) or '/'}",
                   405: "Method not allowed",
                   429: "Too many requests"}.get(status, "Internal server error")
    response = jsonify({"error": message})
    response.status_code = status
    return response


def _generate_error(status: int, message: str) -> Response:
    response = jsonify({"success": False, "error": message})
    response.status_code = status
    return response


install_errors(bp, render_error, ((NotFound, 404),))


@bp.get("/generate")
def generate() -> Response:
    """A new public address, random or with the given username."""
    username = request.args.get("username")
    domain = request.args.get("domain") or None
    if username is not None and not USERNAME.match(username):
        return _generate_error(400, "Invalid username. Use 3-20 alphanumeric characters only.")
    try:
        created = mailboxes.create_mailbox(username, domain)
    except ReservedAddress:
        return _generate_error(403, "This username is reserved and cannot be used.")
    except AddressTaken:
        return _generate_error(409, "Username already taken. Please choose another one.")
    except InvalidInput as exc:
        return _generate_error(400, exc.message)
    mailbox = created.mailbox
    return jsonify({"success": True, "email": mailbox.address, "username": mailbox.local_part,
                    "domain": mailbox.address.split("@", 1)[1],
                    "expires_at": sql_time(mailbox.expires_at)})


@bp.get("/inbox/<path:email>")
def inbox(email: str) -> Response | tuple[Response, int]:
    """All messages of a public address, newest first."""
    state = mailbox_states.find_state(email, PUBLIC)
    if state is None:
        return jsonify({"error": NOT_FOUND, "searched_for": email.strip().lower(),
                        "hint": "Generate this email first via /generate endpoint"}), 404
    return response_cache.json_answer(("php-inbox", state.id, state.version),
                                      lambda: _inbox_json(state))


def _inbox_json(state: mailbox_states.MailboxState) -> Response:
    items = bulk_reads.summaries(state.id) if state.total else []
    return jsonify({
        "success": True, "email": state.address, "created_at": sql_time(state.created_at),
        "expires_at": sql_time(state.expires_at), "total": len(items),
        "emails": [{"id": m.public_id, "from_email": m.from_addr, "from_name": m.from_name,
                    "subject": m.subject, "is_read": int(m.seen),
                    "received_at": sql_time(m.received_at)} for m in items],
    })


@bp.get("/email/<int:message_id>")
def email_show(message_id: int) -> Response:
    """One message with its bodies and attachments; marks it read."""
    # The answer is the same every time (it always says read), so a kept one is used once
    # the caller may see the message and it is marked read.
    return response_cache.json_answer(
        ("php-email", message_id),
        lambda: _email_json(_public_message(message_id, numbers=True, mark_seen=True)),
        servable=lambda: _public_peek(message_id).seen)


def _email_json(opened: messages.OpenedMessage) -> Response:
    message = opened.message
    return jsonify({
        "success": True,
        "email": {"id": message.public_id, "email_address_id": message.mailbox_id,
                  "from_email": message.from_addr, "from_name": message.from_name,
                  "subject": message.subject, "body_text": message.text_body,
                  "body_html": message.html_body, "is_read": 1,
                  "received_at": sql_time(message.received_at)},
        "attachments": [{"id": opened.numbers[a.id], "filename": a.filename, "size": a.size,
                         "content_type": a.content_type,
                         "file_path": url_for("tempmail_php.attachment",
                                              number=opened.numbers[a.id])}
                        for a in message.attachments if a.id in opened.numbers],
    })


@bp.delete("/email/<int:message_id>")
def email_delete(message_id: int) -> Response:
    """Delete a message; the seed's deleted_id is a string."""
    try:
        messages.delete_message(message_id, PUBLIC)
    except NotFound:
        raise NotFound(NOT_FOUND) from None
    return jsonify({"success": True, "deleted_id": str(message_id)})


@bp.get("/attachment/<int:number>")
def attachment(number: int) -> Response:
    """An attachment's bytes, while its mailbox is public."""
    try:
        part = messages.attachment_by_number(number, PUBLIC)
    except NotFound:
        return render_error(404, "Attachment not found")
    return attachment_response(part)


@bp.get("/stats")
def stats_show() -> Response:
    """Store-wide counts."""
    figures = stats.current()
    return jsonify({"success": True, "stats": {
        "id": 1, "total_emails": figures.messages, "total_addresses": figures.mailboxes,
        "total_received": figures.received, "last_updated": sql_time(utcnow())}})


@bp.get("/domains")
def domains_list() -> Response:
    """Domains a public address can use."""
    return jsonify({"success": True, "domains": public_domains()})


def _public_peek(message_id: int) -> messages.MessageRef:
    try:
        return messages.peek(message_id, PUBLIC)
    except NotFound:
        raise NotFound(NOT_FOUND) from None


def _public_message(message_id: int, **options: bool) -> messages.OpenedMessage:
    try:
        return messages.open_message(message_id, PUBLIC, **options)
    except NotFound:
        raise NotFound(NOT_FOUND) from None
