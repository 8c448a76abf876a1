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

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, jsonify, request
from werkzeug.http import HTTP_STATUS_CODES

from app.dialects._common import install_errors, raw_text
from app.extensions import limiter
from app.mail.compose import compose
from app.models import Message
from app.services.access import Principal
from app.services.context import settings
from app.services.errors import (
    MailboxNotFound,
    MayflyError,
    NotFound,
    QuotaExceeded,
    Unauthorized,
)
from app.services.ids import parse_id
from app.services.ingest import delivery
from app.services.mailbox_life import domains, mailbox_changes, mailbox_tokens, mailboxes
from app.services.stored_mail import bulk_reads, messages

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


def _words(exc: MayflyError, status: int) -> str | None:
    """The seed's words: its own for 404 and 403, "Quota Exceeded" for a full mailbox."""
    if isinstance(exc, QuotaExceeded):
        return "Quota Exceeded"
    return None if status in (403, 404) else exc.message


install_errors(bp, render_error, ((NotFound, 404), (Unauthorized, 403), (QuotaExceeded, 403)),
               message=_words)


# More than 10 requests in one second from one client is 429 (seed 004), on every route.
limiter.limit("10 per second")(bp)


def _open(name: str) -> tuple[str, int, Principal]:
    """The mailbox's address and id, and a principal holding its token, in one statement:
    404 for an unknown mailbox, 403 for a missing or wrong token. Mailboxes live at the
    default domain: the configured one, or the first active one when it was disabled."""
    token = request.headers.get("X-MailboxToken", "")
    local = name.strip().lower()
    try:
        address = f"{local}@{settings().default_domain}"
        mailbox_id = mailbox_tokens.open_by_token(address, token)
    except MailboxNotFound:
        if domains.default_name() == settings().default_domain:
            raise
        address = f"{local}@{domains.default_name()}"
        mailbox_id = mailbox_tokens.open_by_token(address, token)
    return address, mailbox_id, Principal(mailbox_ids=frozenset({mailbox_id}))


def ticks(received_at: datetime, row_id: int) -> str:
    millis = int(received_at.timestamp() * 1000)
    return str(millis * 10_000 + TICKS_AT_EPOCH + row_id % 10_000)


def _ids(mailbox_id: int) -> list[str]:
    return [ticks(m.received_at, m.id)
            for m in bulk_reads.summaries(mailbox_id, oldest_first=True)]


def _one(name: str, message_id: str) -> tuple[Message, Principal]:
    """A message of the mailbox, with its raw source, by its tick id (404 when the mailbox
    has none such): three statements."""
    _, mailbox_id, principal = _open(name)
    opened = messages.open_message(_by_tick(mailbox_id, message_id), principal, bodies=False,
                                   attachments=False, raw=True)
    return opened.message, principal


def _by_tick(mailbox_id: int, tick: str) -> int:
    number = parse_id(tick, 2**63)
    if number is None or number < TICKS_AT_EPOCH:
        raise NotFound()
    millis = (number - TICKS_AT_EPOCH) // 10_000
    moment = datetime.fromtimestamp(millis / 1000, UTC)
    for message in bulk_reads.received_around(mailbox_id, moment):
        if ticks(message.received_at, message.id) == tick:
            return message.public_id
    raise NotFound()


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
    address, _, principal = _open(name)
    mailbox_changes.delete_mailbox(address, principal)
    return ok(True)


@bp.put("/mailbox/<name>/token")
def token_reset(name: str) -> Response:
    """A new token; every older one stops working at once."""
    address, _, principal = _open(name)
    token = mailbox_tokens.rotate_token(address, principal, "hex40")
    return ok({"name": name.lower(), "token": token})


@bp.get("/mailbox/<name>")
def message_ids(name: str) -> Response:
    """Message ids, oldest first."""
    _, mailbox_id, _ = _open(name)
    return ok(_ids(mailbox_id))


@bp.post("/mailbox/<name>/messages")
def messages_get(name: str) -> Response:
    """Raw messages for the given ids; unknown ids are left out."""
    _, mailbox_id, principal = _open(name)
    wanted = _json_body()
    if not isinstance(wanted, list) or not all(isinstance(i, str) for i in wanted):
        raise BadRequest("Send a JSON array of message id strings.")
    found = {ticks(m.received_at, m.id): m.public_id
             for m in bulk_reads.summaries(mailbox_id)}
    sources = []
    for tick in dict.fromkeys(wanted):
        if tick in found:
            opened = messages.open_message(found[tick], principal, bodies=False,
                                           attachments=False, raw=True)
            sources.append({"key": tick, "value": raw_text(messages.raw_source(opened.message))})
    return ok(sources)


@bp.put("/mailbox/<name>/messages")
def message_send(name: str) -> Response:
    """Compose a message from and to the mailbox and store it as received mail."""
    address, _, _ = _open(name)
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
    message, _ = _one(name, message_id)
    return ok(raw_text(messages.raw_source(message)))


@bp.delete("/mailbox/<name>/messages/<message_id>")
def message_delete(name: str, message_id: str) -> Response:
    """Delete one message."""
    message, principal = _one(name, message_id)
    messages.delete_message(message.public_id, principal)
    return ok(True)
