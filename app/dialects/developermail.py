"""developermail, seed 004: `/compat/developermail/api/v1/…`, `X-MailboxToken: <token>`.

Every answer is {"success", "errors", "result"}: HTTP 200 on success, and the seed's error
objects with the matching status: 404 "Not Found" for an unknown mailbox or message, 403
"Not Authorized" for a missing or wrong token on a mailbox that exists, 429 past 10
requests a second from one client. Choices where the seed and API-DIALECTS.md are silent:
- Mailboxes live at the default domain, are protected, and last PUBLIC_MAILBOX_TTL.
- Message ids are the .NET ticks of the receive time, `unix_ms * 10000 + 621355968000000000`,
  plus the message's row id modulo 10,000 in the sub-millisecond digits, which keeps them
  unique in the mailbox and decoding to the right millisecond.
- Message values are the raw message exactly as received: UTF-8 when valid, else Latin-1.
- Send-to-self stores the composed message through the same delivery path as SMTP mail, so
  it counts against the mailbox's quota; a full mailbox answers 403 "Quota Exceeded".
- A body that is not the JSON the call needs answers 400 "Bad Request".
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, g, jsonify, request
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from app.dialects._common import raw_text
from app.extensions import limiter
from app.mail.compose import compose
from app.models import Message
from app.services import delivery, domains, mailboxes, messages
from app.services.access import Principal
from app.services.errors import MayflyError, NotFound, QuotaExceeded, Unauthorized

bp = Blueprint("developermail", __name__, url_prefix="/compat/developermail/api/v1")
TICKS_AT_EPOCH = 621_355_968_000_000_000
# The seed's words for its error statuses.
MESSAGES = {403: "Not Authorized", 404: "Not Found", 429: "Too Many Requests"}


def ok(result: Any) -> Response:
    return jsonify({"success": True, "errors": None, "result": result})


def render_error(status: int, message: str | None = None) -> Response:
    text = message or MESSAGES.get(status) or HTTP_STATUS_CODES.get(status, "Error")
    response = jsonify({"success": False,
                        "errors": [{"code": status, "message": text, "detail": text}],
                        "result": False})
    response.status_code = status
    return response


class BadRequest(MayflyError):
    code = "bad_request"
    message = "Bad Request"


@bp.errorhandler(MayflyError)
def _domain_error(exc: MayflyError) -> Response:
    if isinstance(exc, NotFound):
        return render_error(404)
    if isinstance(exc, Unauthorized):
        return render_error(403)
    if isinstance(exc, QuotaExceeded):
        return render_error(403, "Quota Exceeded")
    return render_error(400, exc.message)


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> Response:
    return render_error(exc.code or 500)


# More than 10 requests in one second from one client is 429 (seed 004), on every route.
limiter.limit("10 per second")(bp)


def _address(name: str) -> str:
    return f"{name.strip().lower()}@{domains.default_name()}"


def _open(name: str) -> tuple[str, Principal]:
    """The mailbox's address and a principal holding its token: 404 unknown, 403 wrong token."""
    address = _address(name)
    if not mailboxes.exists(address):
        raise NotFound()
    token = request.headers.get("X-MailboxToken", "").strip()
    mailbox_id = mailboxes.find_id_by_token(token) if token else None
    principal = Principal(mailbox_ids=frozenset({mailbox_id} if mailbox_id else ()))
    try:
        mailbox = mailboxes.get_mailbox(address, principal)
    except NotFound:
        raise Unauthorized() from None
    if mailbox.id != mailbox_id:
        raise Unauthorized()
    g.principal = principal
    return address, principal


def ticks(message: Message) -> str:
    millis = int(message.received_at.timestamp() * 1000)
    return str(millis * 10_000 + TICKS_AT_EPOCH + message.id % 10_000)


def _by_ticks(address: str, principal: Principal) -> dict[str, Message]:
    return {ticks(m): m for m in messages.list_all(address, principal, oldest_first=True)}


def _one(name: str, message_id: str) -> tuple[Message, Principal]:
    """A message of the mailbox by its tick id (404 when the mailbox has none such)."""
    address, principal = _open(name)
    message = _by_ticks(address, principal).get(message_id)
    if message is None:
        raise NotFound()
    return message, principal


def _json_body() -> Any:
    body = request.get_json(silent=True)
    if body is None:
        raise BadRequest()
    return body


@bp.put("/mailbox")
def mailbox_create() -> Response:
    """A new protected mailbox with a random name; the token is 40 upper-case hex."""
    created = mailboxes.create_mailbox(protected=True, style="hex40")
    return ok({"name": created.mailbox.local_part, "token": created.token})


@bp.delete("/mailbox/<name>")
def mailbox_delete(name: str) -> Response:
    """Delete the mailbox and its messages."""
    address, principal = _open(name)
    mailboxes.delete_mailbox(address, principal)
    return ok(True)


@bp.put("/mailbox/<name>/token")
def token_reset(name: str) -> Response:
    """A new token; every older one stops working at once."""
    address, principal = _open(name)
    return ok({"name": name.lower(), "token": mailboxes.rotate_token(address, principal, "hex40")})


@bp.get("/mailbox/<name>")
def message_ids(name: str) -> Response:
    """Message ids, oldest first."""
    address, principal = _open(name)
    return ok(list(_by_ticks(address, principal)))


@bp.post("/mailbox/<name>/messages")
def messages_get(name: str) -> Response:
    """Raw messages for the given ids; unknown ids are left out."""
    address, principal = _open(name)
    wanted = _json_body()
    if not isinstance(wanted, list) or not all(isinstance(i, str) for i in wanted):
        raise BadRequest("Send a JSON array of message id strings.")
    found = _by_ticks(address, principal)
    return ok([{"key": i, "value": raw_text(messages.raw_source(found[i].public_id, principal))}
               for i in wanted if i in found])


@bp.put("/mailbox/<name>/messages")
def message_send(name: str) -> Response:
    """Compose a message from and to the mailbox and store it as received mail."""
    address, _ = _open(name)
    body = _json_body()
    if not isinstance(body, dict) or not isinstance(body.get("subject", ""), str) \
            or not isinstance(body.get("body", ""), str) \
            or not isinstance(body.get("isHtml", False), bool):
        raise BadRequest('Send {"subject": string, "body": string, "isHtml": bool}.')
    raw = compose(sender=address, to=address, subject=body.get("subject", ""),
                  body=body.get("body", ""), html=body.get("isHtml", False))
    delivery.deliver(address, [address], raw)
    return ok(True)


@bp.get("/mailbox/<name>/messages/<message_id>")
def message_get(name: str, message_id: str) -> Response:
    """One raw message."""
    message, principal = _one(name, message_id)
    return ok(raw_text(messages.raw_source(message.public_id, principal)))


@bp.delete("/mailbox/<name>/messages/<message_id>")
def message_delete(name: str, message_id: str) -> Response:
    """Delete one message."""
    message, principal = _one(name, message_id)
    messages.delete_message(message.public_id, principal)
    return ok(True)
