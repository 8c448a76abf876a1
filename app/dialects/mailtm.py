"""mail.tm's API, `/compat/mailtm/…`: accounts with an address and a password, a JWT each.

Served as api.mail.tm serves it to its clients (npm `@cemalgnlts/mailjs`, PyPI `pymailtm`):
`GET /domains[/{id}]`, `POST /accounts` (201), `POST /token` → `{"token", "id"}`, `GET /me`,
`GET`/`DELETE /accounts/{id}`, `GET /messages?page=` (30 a page, newest first), `GET`/`PATCH`
(`{"seen"}`)/`DELETE /messages/{id}`, `…/download`, `…/attachment/{id}`, `GET /sources/{id}`.
Answers are JSON-LD (`hydra:member`, `@id`, …) for `application/ld+json`, `*/*` or no Accept,
plain JSON (collections as arrays) for `application/json`. Errors: 401 (bad credentials or
token), 422 (taken address, unknown domain, short password), 404 (nothing, or not yours).

An account is a Mayfly mailbox account, as tempemail makes: protected, living
OWNED_MAILBOX_TTL, its JWT valid ACCOUNT_TOKEN_TTL, password attempts limited per account and
client (`<a@x>` or ` A@X ` is the account a@x; guesses here and at tempemail count
together). Where mail.tm is silent: ids are Mayfly's (an account's is its mailbox's, a
message's its public id) as strings; domains are the active free ones; passwords need 6
characters; `downloadUrl`s are relative to this door; an empty `Authorization: Bearer` is
ignored.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, Response, g, jsonify, request

from app.dialects._common import install_errors, iso_time, public_domains, raw_text
from app.extensions import limiter
from app.http.credentials import bearer_token
from app.http.downloads import attachment_response, raw_response
from app.http.limits import CREATE_LIMIT, charge_password_attempt, forget_password_attempts
from app.models import Mailbox, Message
from app.services.access import Principal
from app.services.errors import (
    AddressTaken,
    Forbidden,
    InvalidInput,
    MayflyError,
    NotFound,
    ReservedAddress,
    Unauthorized,
)
from app.services.ids import MAX_ROW_ID, parse_id
from app.services.mailbox_life import domains, mailbox_accounts
from app.services.stored_mail import listings, messages

bp = Blueprint("mailtm", __name__, url_prefix="/compat/mailtm")
PAGE = 30
LD = "application/ld+json"


def _wants_ld() -> bool:
    accept = request.headers.get("Accept", "").lower()
    return not accept or LD in accept or "*/*" in accept or "application/json" not in accept


def answer(data: Any, status: int = 200) -> Response:
    response = jsonify(data)
    response.status_code = status
    response.mimetype = LD if _wants_ld() else "application/json"
    return response


def render_error(status: int, message: str | None = None) -> Response:
    text = message or {401: "JWT Token not found", 404: "Not Found",
                       405: "Method Not Allowed", 429: "Too Many Requests"}.get(status, "Error")
    if status == 401:
        return answer({"code": 401, "message": text}, 401)
    return answer({"@context": "/contexts/Error", "@type": "hydra:Error",
                   "hydra:title": "An error occurred", "hydra:description": text,
                   "title": "An error occurred", "detail": text, "status": status}, status)


install_errors(bp, render_error, ((Unauthorized, 401), (Forbidden, 401), (NotFound, 404)),
               default=422)


@bp.errorhandler(InvalidInput)
@bp.errorhandler(AddressTaken)
@bp.errorhandler(ReservedAddress)
def _invalid(exc: MayflyError) -> Response:
    path = "password" if "password" in exc.message.lower() else "address"
    message = "This value is already used." if isinstance(exc, AddressTaken) else exc.message
    return answer({"@context": "/contexts/ConstraintViolationList",
                   "@type": "ConstraintViolationList", "hydra:title": "An error occurred",
                   "hydra:description": f"{path}: {message}", "detail": f"{path}: {message}",
                   "violations": [{"propertyPath": path, "message": message}]}, 422)


def _time(moment: datetime | None) -> str | None:
    return iso_time(moment)


def _ld(kind: str, path: str, data: dict[str, Any]) -> dict[str, Any]:
    if not _wants_ld():
        return data
    return {"@context": f"/contexts/{kind}", "@id": path, "@type": kind, **data}


def _collection(kind: str, path: str, members: list[dict[str, Any]], total: int) -> Any:
    if not _wants_ld():
        return members
    return {"@context": f"/contexts/{kind}", "@id": path, "@type": "hydra:Collection",
            "hydra:member": members, "hydra:totalItems": total}


def _account() -> Mailbox:
    if "mailtm_account" not in g:
        token = bearer_token()
        if token is None:
            raise Unauthorized("JWT Token not found")
        try:
            g.mailtm_account = mailbox_accounts.from_token(token)
        except Unauthorized:
            raise Unauthorized("Invalid JWT Token") from None
    account: Mailbox = g.mailtm_account
    return account


def _principal() -> Principal:
    return Principal(mailbox_ids=frozenset({_account().id}))


def _account_json(mailbox: Mailbox) -> dict[str, Any]:
    from app.services.context import settings

    return _ld("Account", f"/accounts/{mailbox.id}", {
        "id": str(mailbox.id), "address": mailbox.address, "quota": settings().mailbox_quota,
        "used": mailbox.used_bytes, "isDisabled": False, "isDeleted": False,
        "createdAt": _time(mailbox.created_at), "updatedAt": _time(mailbox.created_at)})


def _domain_json(domain: Any) -> dict[str, Any]:
    return _ld("Domain", f"/domains/{domain.id}", {
        "id": str(domain.id), "domain": domain.name, "isActive": True, "isPrivate": False,
        "createdAt": _time(domain.created_at), "updatedAt": _time(domain.created_at)})


@bp.get("/domains")
def domains_list() -> Response:
    """The domains an account can be made at."""
    names = set(public_domains())
    found = [_domain_json(d) for d in domains.list_active() if d.name in names]
    return answer(_collection("Domain", "/domains", found, len(found)))


@bp.get("/domains/<domain_id>")
def domain_show(domain_id: str) -> Response:
    names = set(public_domains())
    found = next((d for d in domains.list_active()
                  if str(d.id) == domain_id and d.name in names), None)
    if found is None:
        raise NotFound()
    return answer(_domain_json(found))


def _credentials() -> tuple[str, str]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("address"), str) \
            or not isinstance(body.get("password"), str):
        raise InvalidInput("address and password are required.")
    return body["address"].strip().lower(), body["password"]


@bp.post("/accounts")
@limiter.limit(CREATE_LIMIT)
def account_create() -> Response:
    """A new account: an address at one of the domains, and a password."""
    address, password = _credentials()
    mailbox = mailbox_accounts.register(address, password)
    return answer(_account_json(mailbox), 201)


@bp.post("/token")
def token_create() -> Response:
    """A JWT for the account (Bearer for every other call)."""
    address, password = _credentials()
    # One account, one count: the address as the lookup reads it, shared with tempemail.
    address = mailbox_accounts.sign_in_address(address)
    # Before the check: guesses are limited.
    charge_password_attempt(mailbox_accounts.GUESS_COUNTER, address)
    try:
        mailbox = mailbox_accounts.authenticate(address, password)
    except (Unauthorized, Forbidden):
        raise Unauthorized("Invalid credentials.") from None
    forget_password_attempts(mailbox_accounts.GUESS_COUNTER, address)
    return answer({"token": mailbox_accounts.issue_token(mailbox), "id": str(mailbox.id)})


@bp.get("/me")
def me() -> Response:
    return answer(_account_json(_account()))


def _own_account(account_id: str) -> Mailbox:
    account = _account()
    if parse_id(account_id, MAX_ROW_ID) != account.id:
        raise NotFound()
    return account


@bp.get("/accounts/<account_id>")
def account_show(account_id: str) -> Response:
    return answer(_account_json(_own_account(account_id)))


@bp.delete("/accounts/<account_id>")
def account_delete(account_id: str) -> Response:
    """The account, its mailbox and its mail are gone; its tokens stop working."""
    mailbox_accounts.delete(_own_account(account_id))
    return Response(status=204)


def _summary(message: Message, address: str) -> dict[str, Any]:
    public_id = str(message.public_id)
    return _ld("Message", f"/messages/{public_id}", {
        "id": public_id, "accountId": f"/accounts/{_account().id}",
        "msgid": next((v for k, v in message.headers or [] if k.lower() == "message-id"), ""),
        "from": {"address": message.from_addr, "name": message.from_name},
        "to": [{"address": a.get("address", ""), "name": a.get("name", "")}
               for a in message.to_addrs or []] or [{"address": address, "name": ""}],
        "subject": message.subject, "intro": message.preview, "seen": message.seen,
        "isDeleted": False, "hasAttachments": message.has_attachments, "size": message.size,
        "downloadUrl": f"/messages/{public_id}/download",
        "createdAt": _time(message.received_at), "updatedAt": _time(message.received_at)})


@bp.get("/messages")
def messages_list() -> Response:
    """The account's messages, newest first, 30 a page."""
    account = _account()
    page = parse_id(request.args.get("page") or "1", 100_000) or 1
    total, items = listings.at_offset(account.address, _principal(), (page - 1) * PAGE, PAGE)
    members = [_summary(m, account.address) for m in items]
    return answer(_collection("Message", "/messages", members, total))


def _message_id(text: str) -> int:
    public_id = parse_id(text)
    if public_id is None:
        raise NotFound()
    return public_id


def _open(message_id: str, **options: bool) -> Message:
    return messages.open_message(_message_id(message_id), _principal(),
                                 address=_account().address, **options).message


@bp.get("/messages/<message_id>")
def message_show(message_id: str) -> Response:
    message = _open(message_id)
    data = _summary(message, _account().address)
    data.update({
        "cc": [{"address": a.get("address", ""), "name": a.get("name", "")}
               for a in message.cc_addrs or []],
        "bcc": [], "flagged": False, "verifications": [], "retention": True,
        "retentionDate": _time(message.received_at), "text": message.text_body,
        "html": [message.html_body] if message.html_body else [],
        "attachments": [{
            "id": a.public_id, "filename": a.filename, "contentType": a.content_type,
            "disposition": "inline" if a.inline else "attachment",
            "transferEncoding": "base64", "related": bool(a.inline), "size": a.size,
            "downloadUrl": f"/messages/{message_id}/attachment/{a.public_id}"}
            for a in message.attachments]})
    return answer(data)


@bp.patch("/messages/<message_id>")
def message_update(message_id: str) -> Response:
    """{"seen": true|false} (application/merge-patch+json)."""
    body = request.get_json(force=True, silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("seen"), bool):
        raise InvalidInput("seen: This value should be of type bool.")
    messages.set_seen(_message_id(message_id), _principal(), body["seen"],
                      address=_account().address)
    return answer({"seen": body["seen"]})


@bp.delete("/messages/<message_id>")
def message_delete(message_id: str) -> Response:
    messages.delete_message(_message_id(message_id), _principal(),
                            address=_account().address)
    return Response(status=204)


@bp.get("/messages/<message_id>/download")
def message_download(message_id: str) -> Response:
    return raw_response(_open(message_id, bodies=False, attachments=False), "message/rfc822",
                        f"{message_id}.eml")


@bp.get("/messages/<message_id>/attachment/<attachment_id>")
def message_attachment(message_id: str, attachment_id: str) -> Response:
    return attachment_response(messages.attachment(
        _message_id(message_id), _principal(), attachment_id=attachment_id,
        address=_account().address))


@bp.get("/sources/<message_id>")
def source(message_id: str) -> Response:
    message = _open(message_id, bodies=False, attachments=False, raw=True)
    return answer(_ld("Source", f"/sources/{message_id}", {
        "id": message_id, "downloadUrl": f"/messages/{message_id}/download",
        "data": raw_text(messages.raw_source(message))}))
