"""tempmailg, seed 002: `/compat/tempmailg/api/…`, `Authorization: Bearer <user API key>`.

Every mailbox, message and attachment is one the key owns (mailbox_life.visibility.owns):
its user's, or every tenant's for a key made with admin scope whose user is still an admin;
another user's, or a public mailbox, is 404. The key is read as every key door reads one
(api_keys.holder, as the MailHog and Mailpit doors do). Calls count against the user's plan
with the same X-RateLimit-* headers as the native API (only 2xx count). Choices where the
seed and API-DIALECTS.md are silent:
- Message ids are opaque: 43 base-62 characters carrying the message's id and an HMAC of it
  under SECRET_KEY, so they cannot be guessed or forged; any other string is 404.
- `GET /domains` without `type` lists the free domains (`requested_type: "free"`).
- `email_token` is the mailbox's own token: `/inbox/<address>?token=<email_token>` opens it
  in the browser inbox. Moving a mailbox issues a new token and the old one stops working.
- A mailbox is created (and moved) on the user's allowed domains only, within their plan.
"""

from __future__ import annotations

import hashlib
import hmac
import string
from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request
from werkzeug.http import HTTP_STATUS_CODES

from app.dialects._common import install_errors, iso_time, sql_time
from app.http import cors, quota_headers
from app.http.credentials import bearer_token
from app.http.downloads import attachment_response
from app.http.links import absolute_url
from app.models import Mailbox, Message
from app.services.accounts import api_keys, plans
from app.services.errors import (
    AddressTaken,
    Forbidden,
    InvalidInput,
    MessageNotFound,
    NotFound,
    QuotaExceeded,
    ReservedAddress,
    Unauthorized,
)
from app.services.errors import RequestQuotaExhausted as Exhausted
from app.services.mailbox_life import (
    domains,
    mailbox_changes,
    mailbox_policy,
    mailbox_tokens,
    mailboxes,
)
from app.services.stored_mail import bulk_reads, messages

bp = Blueprint("tempmailg", __name__, url_prefix="/compat/tempmailg/api")
_B62 = string.digits + string.ascii_letters
_ID_LENGTH = 43  # 32 bytes in base 62
STATUS = ((Unauthorized, 401), (ReservedAddress, 403), (Forbidden, 403), (QuotaExceeded, 403),
          (NotFound, 404), (AddressTaken, 409), (InvalidInput, 422), (Exhausted, 429))


def render_error(status: int, message: str | None = None) -> Response:
    response = jsonify({"status": False, "message": message or HTTP_STATUS_CODES.get(status)})
    response.status_code = status
    return response


install_errors(bp, render_error, STATUS)


@bp.before_request
def _authenticate() -> None:
    if cors.is_options():
        return
    key = bearer_token()
    holder = api_keys.holder(key) if key else None
    if holder is None:
        raise Unauthorized("Unauthenticated.")
    g.principal = holder.principal
    g.user = holder.user
    quota_headers.before(holder.user)


@bp.after_request
def _count(response: Response) -> Response:
    return quota_headers.after(response)


def encode_id(public_id: int) -> str:
    payload = public_id.to_bytes(8, "big")
    number = int.from_bytes(payload + _tag(payload), "big")
    digits = []
    for _ in range(_ID_LENGTH):
        number, digit = divmod(number, 62)
        digits.append(_B62[digit])
    return "".join(reversed(digits))


def decode_id(text: str) -> int:
    if len(text) != _ID_LENGTH or any(ch not in _B62 for ch in text):
        raise MessageNotFound()
    number = 0
    for ch in text:
        number = number * 62 + _B62.index(ch)
    if number >= 1 << 256:
        raise MessageNotFound()
    raw = number.to_bytes(32, "big")
    if not hmac.compare_digest(raw[8:], _tag(raw[:8])):
        raise MessageNotFound()
    return int.from_bytes(raw[:8], "big")


def _tag(payload: bytes) -> bytes:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, b"tempmailg-id:" + payload, hashlib.sha256).digest()[:24]


def _mailbox_json(mailbox: Mailbox, token: str | None) -> dict[str, Any]:
    left = mailbox_policy.time_left(mailbox)
    return {"id": mailbox.id, "email": mailbox.address, "domain": mailbox.address.split("@")[1],
            "expire_at": iso_time(mailbox.expires_at),
            "expires_in_seconds": None if left is None else int(left.total_seconds()),
            "created_at": iso_time(mailbox.created_at), "email_token": token}


def _message_json(message: Message, address: str) -> dict[str, Any]:
    opaque = encode_id(message.public_id)
    return {
        "is_seen": message.seen, "subject": message.subject, "from": message.from_name,
        "from_email": message.from_addr, "to": address,
        "receivedAt": sql_time(message.received_at), "id": opaque,
        "html": bool(message.html_body), "content": message.html_body or message.text_body,
        "attachments": [{
            "name": a.filename, "extension": a.filename.rpartition(".")[2] if "." in a.filename
            else "", "size": a.size,
            "url": absolute_url("tempmailg.attachment", message_id=opaque,
                                filename=a.filename)} for a in message.attachments],
    }


@bp.get("/domains")
def domains_list() -> Response:
    """Domains of the requested type, if the user's plan allows it."""
    requested = request.args.get("type", "free").lower()
    allowed = list(plans.plan_for(g.user).domain_types)
    if requested not in allowed:
        raise Forbidden(f"Your plan does not allow {requested} domains.")
    return jsonify({"status": True, "data": {
        "requested_type": requested, "allowed_types": allowed,
        "domains": [{"domain": d.name, "type": d.kind.capitalize(), "custom": d.kind == "custom"}
                    for d in domains.list_active() if d.kind == requested]}})


@bp.post("/emails")
def email_create() -> Response:
    """A new random mailbox owned by the user."""
    allowed = plans.plan_for(g.user).domain_types
    domain = next((d.name for d in domains.list_active() if d.kind in allowed), None)
    if domain is None:
        raise InvalidInput("Your plan allows no active domain.")
    created = mailboxes.create_mailbox(domain=domain, protected=True, owner_id=g.user.id)
    return jsonify({"status": True, "data": _mailbox_json(created.mailbox, created.token)})


@bp.post("/emails/<current>/<username>/<domain>")
def email_move(current: str, username: str, domain: str) -> Response:
    """Move an owned mailbox to a new address."""
    mailbox = mailbox_changes.rename_mailbox(current, username, domain, g.principal)
    token = mailbox_tokens.rotate_token(mailbox.address, g.principal)
    return jsonify({"status": True, "data": _mailbox_json(mailbox, token)})


@bp.delete("/emails/<email>")
def email_delete(email: str) -> Response:
    """Delete an owned mailbox and its messages."""
    mailbox_changes.delete_mailbox(email, g.principal, owned_only=True)
    return jsonify({"status": True, "message": "Email has been successfully deleted."})


@bp.get("/messages")
def messages_list() -> Response:
    """Messages of an owned mailbox, newest first."""
    email = request.args.get("email", "")
    if not email:
        raise InvalidInput("The email parameter is required.")
    # The key's user reads only what they own here, even public mailboxes (seed 002).
    items = bulk_reads.with_bodies(email, g.principal, owned_only=True)
    address = email.strip().lower()
    return jsonify({"status": True, "mailbox": address,
                    "messages": [_message_json(m, address) for m in items]})


@bp.get("/messages/<message_id>")
def message_show(message_id: str) -> Response:
    """One owned message; marks it seen."""
    opened = messages.open_message(decode_id(message_id), g.principal, owned_only=True,
                                   mark_seen=True)
    return jsonify({"status": True, "data": _message_json(opened.message, opened.address)})


@bp.delete("/messages/<message_id>")
def message_delete(message_id: str) -> Response:
    """Delete one owned message."""
    messages.delete_message(decode_id(message_id), g.principal, owned_only=True)
    return jsonify({"status": True, "message": "Message was deleted successfully."})


@bp.get("/messages/<message_id>/attachments/<filename>")
def attachment(message_id: str, filename: str) -> Response:
    """An attachment's bytes."""
    part = messages.attachment(decode_id(message_id), g.principal, filename=filename,
                               owned_only=True)
    return attachment_response(part)

