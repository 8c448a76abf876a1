"""1secmail, seed 000: `GET /compat/1secmail/api/v1/?action=…`, no authentication.

Public mailboxes only: a protected, reserved-but-unread or unknown mailbox lists as `[]`.
Choices where the seed and API-DIALECTS.md are silent:
- genRandomMailbox only proposes addresses (1secmail's addresses exist implicitly); the
  mailbox is created by its first message, like any catch-all address.
- `from` is the sender's address (the seed: "Sender email address"); messages are not
  marked read by readMessage (1secmail has no read state).
- A domain Mayfly does not receive for lists as `[]`, like an address with no mail.
- getMessages returns at most the newest 100 messages.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Callable

from flask import Blueprint, Response, jsonify, request
from werkzeug.http import HTTP_STATUS_CODES

from app.dialects._common import PUBLIC, install_errors, public_domains, sql_time
from app.http import response_cache
from app.http.downloads import attachment_response
from app.mail.addresses import is_reserved
from app.models import Message
from app.services.errors import MailboxNotFound, MayflyError, NotFound
from app.services.ids import parse_id
from app.services.stored_mail import mailbox_states, messages, pages

bp = Blueprint("onesecmail", __name__, url_prefix="/compat/1secmail/api/v1")
MAX_COUNT = 500
LIST_LIMIT = 100
_ALPHABET = string.ascii_lowercase + string.digits


class BadRequest(MayflyError):
    code = "bad_request"


class Reserved(MayflyError):
    code = "reserved"


def render_error(status: int, message: str | None = None) -> Response:
    """{"error": …}; without a message, the HTTP reason phrase."""
    response = jsonify({"error": message or HTTP_STATUS_CODES.get(status, "Error")})
    response.status_code = status
    return response


install_errors(bp, render_error, ((NotFound, 404), (Reserved, 403)))


def _param(name: str) -> str:
    value = request.args.get(name, "").strip()
    if not value:
        raise BadRequest(f"Missing parameter: {name}")
    return value


def _address() -> str:
    login, domain = _param("login").lower(), _param("domain").lower()
    if is_reserved(login):
        raise Reserved("Reading this address is not allowed.")
    return f"{login}@{domain}"


def _message_id() -> int:
    text = _param("id")
    if not (text.isascii() and text.isdigit()):
        raise BadRequest("id must be a number.")
    message_id = parse_id(text)
    if message_id is None:
        raise NotFound("Message not found.")
    return message_id


def _message() -> Message:
    try:
        return messages.open_message(_message_id(), PUBLIC, address=_address()).message
    except MailboxNotFound:
        raise NotFound("Message not found.") from None


def _gen_random_mailbox() -> Response:
    try:
        count = int(request.args.get("count") or 1)
    except ValueError:
        raise BadRequest("count must be a number from 1 to 500.") from None
    if not 1 <= count <= MAX_COUNT:
        raise BadRequest("count must be a number from 1 to 500.")
    names = public_domains()
    if not names:
        return jsonify([])
    return jsonify([
        "".join(secrets.choice(_ALPHABET) for _ in range(6 + secrets.randbelow(7)))
        + "@" + secrets.choice(names) for _ in range(count)])


def _get_domain_list() -> Response:
    return jsonify(public_domains())


def _get_messages() -> Response:
    state = mailbox_states.find_state(_address(), PUBLIC)
    if state is None:
        return jsonify([])
    key = ("1secmail-list", state.id, state.version)
    cached = response_cache.cached_json(key)
    if cached is not None:
        return cached
    page = pages.page(state.id, limit=LIST_LIMIT)
    return response_cache.keep_json(key, jsonify(
        [{"id": m.public_id, "from": m.from_addr, "subject": m.subject,
          "date": sql_time(m.received_at)} for m in page.items]))


def _read_message() -> Response:
    message_id, address = _message_id(), _address()
    key = ("1secmail-read", message_id)  # 1secmail shows nothing that changes
    try:
        cached = response_cache.cached_json(key)
        if cached is not None:
            # The key does not prove the caller may read it: a kept answer goes only where
            # the message is still readable (opening it, on a miss, checks the same).
            messages.peek(message_id, PUBLIC, address=address)
            return cached
        return response_cache.keep_json(key, _read_json(_message()))
    except MailboxNotFound:
        raise NotFound("Message not found.") from None


def _read_json(m: Message) -> Response:
    return jsonify({
        "id": m.public_id, "from": m.from_addr, "subject": m.subject,
        "date": sql_time(m.received_at),
        "attachments": [{"filename": a.filename, "contentType": a.content_type, "size": a.size}
                        for a in m.attachments],
        "body": m.html_body or m.text_body, "textBody": m.text_body, "htmlBody": m.html_body,
    })


def _download() -> Response:
    try:
        part = messages.attachment(_message_id(), PUBLIC, filename=_param("file"),
                                   address=_address())
    except MailboxNotFound:
        raise NotFound("Message not found.") from None
    return attachment_response(part)


_ACTIONS: dict[str, Callable[[], Response]] = {
    "genRandomMailbox": _gen_random_mailbox,
    "getDomainList": _get_domain_list,
    "getMessages": _get_messages,
    "readMessage": _read_message,
    "download": _download,
}


@bp.get("/")
def dispatch() -> Response:
    """One URL, the action in the query string, as 1secmail has it."""
    action = _ACTIONS.get(request.args.get("action", ""))
    if action is None:
        raise BadRequest("Unknown or missing action.")
    return action()
