"""tempemail, seed 003: `/compat/tempemail/api/…`, `Authorization: Bearer <JWT>`.

Each account is one protected mailbox with a password; its JWT (HS256, SECRET_KEY, claims
{"iat", "exp", "id", "key"}) opens it. Every answer is {"code", "message", "data"} with `code`
equal to the HTTP status; errors carry "data": null. Choices where the seed and
API-DIALECTS.md are silent:
- Registration refusals (bad address, short password, unknown domain, reserved or taken
  address) are 400, the seed's "invalid parameters"; passwords need 6 characters.
- JWTs carry `exp` and live ACCOUNT_TOKEN_TTL (24 hours); `POST /token` gives a new one.
  Password attempts on one account are limited (5 per 15 minutes from one client, 100 an
  hour from anywhere) and counted before the check: past it, 429 with Retry-After. `<a@x>`
  or ` A@X ` is the account a@x; guesses here and at mail.tm's door count together.
- Accounts live OWNED_MAILBOX_TTL, like other mailboxes that someone signed up for.
- `to` in a message is the account's address; `summary` is the first 200 characters of text.
- `/messages/{id}/read` answers `data: {"id", "isRead": true}`; deletions answer `data: null`.
- `raw` is the message exactly as received, as a string: UTF-8 when valid, else Latin-1.
- Attachments download from `/compat/tempemail/api/messages/{id}/attachments/{attachment id}`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, Response, g, jsonify, request, url_for
from werkzeug.http import HTTP_STATUS_CODES

from app.dialects._common import install_errors, raw_text
from app.extensions import limiter
from app.http.credentials import bearer_token
from app.http.downloads import attachment_response
from app.http.limits import charge_password_attempt, forget_password_attempts
from app.models import Mailbox, Message
from app.services.access import Principal
from app.services.context import settings
from app.services.errors import Forbidden, InvalidInput, NotFound, Unauthorized
from app.services.ids import parse_id
from app.services.mailbox_life import domains, mailbox_accounts
from app.services.stored_mail import messages, pages

bp = Blueprint("tempemail", __name__, url_prefix="/compat/tempemail/api")
QUOTA_FIELD = "quota"
STATUS = ((Unauthorized, 401), (Forbidden, 403), (NotFound, 404))
MIN_LIMIT, MAX_LIMIT = 10, 50


def envelope(data: Any, status: int = 200, message: str = "success") -> Response:
    response = jsonify({"code": status, "message": message, "data": data})
    response.status_code = status
    return response


def render_error(status: int, message: str | None = None) -> Response:
    return envelope(None, status, message or HTTP_STATUS_CODES.get(status, "Error"))


install_errors(bp, render_error, STATUS)


def _millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _credentials() -> tuple[str, str]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidInput("The body must be a JSON object with email and password.")
    email, password = body.get("email"), body.get("password")
    if not isinstance(email, str) or not isinstance(password, str) or not email or not password:
        raise InvalidInput("email and password are required.")
    return email.strip().lower(), password


def _account() -> Mailbox:
    """The account the request's JWT opens (401 without one)."""
    if "account" not in g:
        token = bearer_token()
        if token is None:
            raise Unauthorized("Missing authentication token.")
        g.account = mailbox_accounts.from_token(token)
    return g.account


def _principal() -> Principal:
    return Principal(mailbox_ids=frozenset({_account().id}))


def _account_json(mailbox: Mailbox) -> dict[str, Any]:
    return {"id": str(mailbox.id), "name": mailbox.address,
            QUOTA_FIELD: settings().mailbox_quota, "used": mailbox.used_bytes}


@bp.post("/accounts")
@limiter.limit("1 per 30 seconds")
def account_create() -> Response:
    """Register an account: an address at an active domain, and a password."""
    email, password = _credentials()
    mailbox = mailbox_accounts.register(email, password)
    return envelope({**_account_json(mailbox), "token": mailbox_accounts.issue_token(mailbox),
                     "createdAt": _millis(mailbox.created_at)})


@bp.post("/token")
def token_create() -> Response:
    """Log in: a new JWT for the account."""
    email, password = _credentials()
    # One account, one count: the address as the lookup reads it, shared with mail.tm.
    email = mailbox_accounts.sign_in_address(email)
    # Before the check: guesses are limited.
    charge_password_attempt(mailbox_accounts.GUESS_COUNTER, email)
    mailbox = mailbox_accounts.authenticate(email, password)
    forget_password_attempts(mailbox_accounts.GUESS_COUNTER, email)
    return envelope({"id": str(mailbox.id), "email": mailbox.address,
                     "token": mailbox_accounts.issue_token(mailbox)})


@bp.get("/me")
def me() -> Response:
    """The account, with the bytes its mail uses."""
    mailbox = _account()
    return envelope({**_account_json(mailbox), "status": 1,
                     "createdAt": _millis(mailbox.created_at)})


@bp.delete("/accounts")
def account_delete() -> Response:
    """The account and all its messages are gone; its tokens stop working."""
    mailbox_accounts.delete(_account())
    return envelope(None)


def _item(message: Message, address: str) -> dict[str, Any]:
    return {"id": str(message.public_id), "from": message.from_addr, "to": address,
            "subject": message.subject, "summary": message.preview, "size": message.size,
            "isRead": message.seen, "createdAt": _millis(message.received_at)}


@bp.get("/messages")
def messages_list() -> Response:
    """Newest first, by cursor; limit 10 to 50."""
    account = _account()
    try:
        limit = int(request.args.get("limit", MIN_LIMIT))
        cursor = int(request.args["cursor"]) if request.args.get("cursor") else None
    except ValueError:
        raise InvalidInput("limit and cursor must be numbers.") from None
    if not MIN_LIMIT <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be between {MIN_LIMIT} and {MAX_LIMIT}.")
    page = pages.list_messages(account.address, _principal(), limit=limit, cursor=cursor)
    return envelope({"items": [_item(m, account.address) for m in page.items],
                     "pagination": {"nextCursor": None if page.next_cursor is None
                                    else str(page.next_cursor), "limit": limit}})


def _message_id(message_id: str) -> int:
    public_id = parse_id(message_id)
    if public_id is None:
        raise NotFound("Message not found.")
    return public_id


def _scope() -> dict[str, Any]:
    """A message of this account's mailbox, opened with the account's own credential."""
    return {"address": _account().address}


@bp.get("/messages/<message_id>")
def message_show(message_id: str) -> Response:
    """One message with its bodies and attachments."""
    message = messages.open_message(_message_id(message_id), _principal(), **_scope()).message
    return envelope({
        **_item(message, _account().address), "text": message.text_body,
        "html": message.html_body,
        "attachments": [{"id": a.public_id, "filename": a.filename,
                         "contentType": a.content_type, "size": a.size,
                         "downloadUrl": url_for("tempemail.attachment", message_id=message_id,
                                                attachment_id=a.public_id)}
                        for a in message.attachments]})


@bp.get("/messages/<message_id>/raw")
def message_raw(message_id: str) -> Response:
    """The message exactly as received."""
    opened = messages.open_message(_message_id(message_id), _principal(), bodies=False,
                                   attachments=False, **_scope())
    return envelope({"raw": raw_text(messages.raw_source(opened.message))})


@bp.route("/messages/<message_id>/read", methods=["GET", "POST", "PUT", "PATCH"])
def message_read(message_id: str) -> Response:
    """Mark read (any of these methods: the seed's own example sends GET)."""
    messages.set_seen(_message_id(message_id), _principal(), True, **_scope())
    return envelope({"id": message_id, "isRead": True})


@bp.delete("/messages/<message_id>")
def message_delete(message_id: str) -> Response:
    """Delete one message."""
    messages.delete_message(_message_id(message_id), _principal(), **_scope())
    return envelope(None)


@bp.get("/messages/<message_id>/attachments/<attachment_id>")
def attachment(message_id: str, attachment_id: str) -> Response:
    """An attachment's bytes, with the same token."""
    part = messages.attachment(_message_id(message_id), _principal(),
                               attachment_id=attachment_id, **_scope())
    return attachment_response(part)


@bp.get("/domains")
def domains_list() -> Response:
    """Active domains; open without a token, but a token that is sent must be valid."""
    if request.headers.get("Authorization"):
        _account()
    return envelope([{"id": str(d.id), "domain": d.name} for d in domains.list_active()])
