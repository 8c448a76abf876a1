"""Mailpit's API v1, `/compat/mailpit/…`, HTTP Basic auth with a Mayfly API key as password.

Mailpit is a single-inbox catcher; here its inbox is the mail of every mailbox the key's
user owns (every mailbox for an admin's key): totals, unread counts, `latest`, search and
delete-all cover only that; another user's ids answer 404 and changes to them do nothing.
Every success is exactly 200, as Mailpit's clients (npm `mailpit-api`, `cypress-mailpit`)
require. Served:

- `GET /api/v1/messages?start=&limit=` and `GET /api/v1/search?query=&start=&limit=&tz=` →
  `{"total", "unread", "count", "messages_count", "messages_unread", "start", "tags",
  "messages"}`, newest first; a summary is `ID, MessageID, Read, From{Name, Address}, To, Cc,
  Bcc, ReplyTo, Subject, Created, Tags, Size, Attachments` (a count) and `Snippet`.
- `GET /api/v1/message/{ID|latest}` (marks it read) with `ReturnPath, Date, Text, HTML,
  Inline, Attachments` (`PartID, FileName, ContentType, ContentID, Size, Checksums`) and
  `ListUnsubscribe`; `…/headers`, `…/raw`, `…/part/{PartID}`.
- `PUT /api/v1/messages {IDs?, Read, Search?}`, `DELETE /api/v1/messages {IDs?}` (no body:
  all) and `DELETE /api/v1/search?query=` → `ok`.
- `GET /view/{ID|latest}.html` and `.txt`; `GET /api/v1/info`.

Search is Mayfly's language, which Mailpit's maps onto: words, "phrases", `from:`, `to:`,
`subject:`, `is:read`, `is:unread`, `has:attachment`, `after:`, `before:` (in `tz`), `-not`;
with the native search's limits (1,000 characters, 20 terms, 64 words): a query past them is
400 before anything is read or deleted.
Choices where Mailpit is silent or Mayfly differs:
- IDs are Mayfly's message ids as strings; a PartID is the attachment's Mayfly id.
- `/view/{ID}.html` is the sanitized HTML (as Mayfly shows it), with a CSP that lets nothing
  run: Mayfly never serves a mail's own script in its origin. `Tags` are always empty.
- Not served: send, release, HTML check, link check, SpamAssassin, tags editing, chaos,
  thumbnails, the web UI settings and its WebSocket: 404 (or 501 where Mailpit would need a
  feature Mayfly does not have), as Mailpit's plain-text errors.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from email.utils import getaddresses
from typing import Any

from flask import Blueprint, Response, jsonify, request

from app.dialects._common import install_errors, install_key_auth, key_principal, text_error
from app.http.downloads import attachment_response, raw_response
from app.mail import raw_view
from app.mail.sanitize import clean_html
from app.mail.search_query import Term
from app.models import Attachment, Message
from app.services.errors import InvalidInput, NotFound, Unauthorized
from app.services.ids import parse_id
from app.services.stored_mail import blobs, messages, owned_mail
from app.services.stored_mail.search import terms as search_terms

bp = Blueprint("mailpit", __name__, url_prefix="/compat/mailpit")
render_error = text_error
install_errors(bp, render_error, ((Unauthorized, 401), (NotFound, 404)))
install_key_auth(bp)
VIEW_CSP = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:"
NOT_SERVED = ("send", "webui", "chaos", "tags", "events")


def _time(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat(timespec="milliseconds").replace(
        "+00:00", "Z")


def _address(name: str, address: str) -> dict[str, str]:
    return {"Name": name, "Address": address}


def _addresses(pairs: list[dict[str, str]]) -> list[dict[str, str]]:
    return [_address(p.get("name", ""), p.get("address", "")) for p in pairs or []]


def _header(message: Message, name: str) -> str:
    return next((v for k, v in message.headers or [] if k.lower() == name), "")


def _reply_to(message: Message) -> list[dict[str, str]]:
    value = _header(message, "reply-to")
    return [_address(n, a) for n, a in getaddresses([value]) if a] if value else []


def summary(message: Message) -> dict[str, Any]:
    return {
        "ID": str(message.public_id),
        "MessageID": _header(message, "message-id").strip("<> "),
        "Read": message.seen,
        "From": _address(message.from_name, message.from_addr),
        "To": _addresses(message.to_addrs), "Cc": _addresses(message.cc_addrs), "Bcc": [],
        "ReplyTo": _reply_to(message),
        "Subject": message.subject,
        "Created": _time(message.received_at),
        "Tags": [],
        "Size": message.size,
        "Attachments": sum(1 for a in message.attachments if not a.inline),
        "Snippet": message.preview,
    }


def _part(attachment: Attachment, data: bytes) -> dict[str, Any]:
    return {"PartID": attachment.public_id, "FileName": attachment.filename,
            "ContentType": attachment.content_type, "ContentID": attachment.content_id or "",
            "Size": attachment.size, "Checksums": {
                "MD5": hashlib.md5(data, usedforsecurity=False).hexdigest(),
                "SHA1": hashlib.sha1(data, usedforsecurity=False).hexdigest(),
                "SHA256": hashlib.sha256(data).hexdigest()}}


def full(message: Message) -> dict[str, Any]:
    parts = [(a, b"".join(blobs.attachment_chunks(a))) for a in message.attachments]
    unsubscribe = _header(message, "list-unsubscribe")
    return {
        **summary(message),
        "ReturnPath": message.envelope_from,
        "Date": _time(message.sent_at or message.received_at),
        "Text": message.text_body, "HTML": message.html_body,
        "Inline": [_part(a, d) for a, d in parts if a.inline],
        "Attachments": [_part(a, d) for a, d in parts if not a.inline],
        "ListUnsubscribe": {
            "Header": unsubscribe, "HeaderPost": _header(message, "list-unsubscribe-post"),
            "Links": [link.strip(" <>") for link in unsubscribe.split(",") if link.strip()],
            "Errors": ""},
    }


def _int(name: str, default: int) -> int:
    raw = request.args.get(name, "")
    if not raw or raw == "0":
        return 0 if raw == "0" else default
    value = parse_id(raw, 2**31)
    if value is None:
        raise InvalidInput(f"{name} must be a whole number.")
    return value


def _terms(query: str | None) -> list[Term] | None:
    """A search's terms, held to the search language's limits (400 past them) before the
    mail is looked at; None for no search."""
    return search_terms(query) if query else None


def _listing(query: str | None) -> Response:
    parsed = _terms(query)
    start, limit = _int("start", 0), _int("limit", 50)
    found = owned_mail.page(key_principal(), start=start, limit=limit, query=parsed,
                            tz=request.args.get("tz"))
    return jsonify({"total": found.total, "unread": found.unread,
                    "count": len(found.messages), "messages_count": found.matched,
                    "messages_unread": found.matched_unread, "start": start, "tags": [],
                    "messages": [summary(m) for m in found.messages]})


@bp.get("/api/v1/messages")
def messages_list() -> Response:
    """Every message in scope, newest first, by offset."""
    return _listing(None)


@bp.get("/api/v1/search")
def search() -> Response:
    """Messages matching a search, newest first."""
    return _listing(request.args.get("query", "").strip() or None)


def _public_id(text: str) -> int:
    if text == "latest":
        return owned_mail.latest(key_principal())
    public_id = parse_id(text)
    if public_id is None:
        raise NotFound("Message not found.")
    return public_id


def _open(text: str, **options: bool) -> Message:
    return messages.open_message(_public_id(text), key_principal(), owned_only=True,
                                 **options).message


@bp.get("/api/v1/message/<message_id>")
def message_show(message_id: str) -> Response:
    """One message, marked read."""
    return jsonify(full(_open(message_id, mark_seen=True)))


@bp.get("/api/v1/message/<message_id>/headers")
def message_headers(message_id: str) -> Response:
    """Header names (canonical, sorted) with each of their values."""
    message = _open(message_id, bodies=False, attachments=False, raw=True)
    found = raw_view.headers(raw_view.parse(messages.raw_source(message)))
    return jsonify(dict(sorted(found.items())))


@bp.get("/api/v1/message/<message_id>/raw")
def message_raw(message_id: str) -> Response:
    """The message exactly as received, as text."""
    return raw_response(_open(message_id, bodies=False, attachments=False), "text/plain")


@bp.get("/api/v1/message/<message_id>/part/<part_id>")
def message_part(message_id: str, part_id: str) -> Response:
    """An attachment's bytes, always as a download."""
    return attachment_response(messages.attachment(
        _public_id(message_id), key_principal(), attachment_id=part_id, owned_only=True))


def _ids_and_search() -> tuple[list[int] | None, str | None, dict[str, Any]]:
    body = request.get_json(silent=True) if request.get_data() else {}
    if not isinstance(body, dict):
        raise InvalidInput("The body must be a JSON object.")
    ids = body.get("IDs")
    if ids is not None and (not isinstance(ids, list)
                            or not all(isinstance(i, str) for i in ids)):
        raise InvalidInput("IDs is a list of message IDs.")
    found = None if not ids else [i for i in (parse_id(t) for t in ids) if i is not None]
    search = body.get("Search")
    if search is not None and not isinstance(search, str):
        raise InvalidInput("Search is a search string.")
    return found, (search or None), body


def _ok() -> Response:
    return Response("ok", status=200, mimetype="text/plain")


@bp.put("/api/v1/messages")
def messages_mark() -> Response:
    """Read or unread: the given IDs, a search's matches, or every message."""
    ids, search_text, body = _ids_and_search()
    read = body.get("Read", False)
    if not isinstance(read, bool):
        raise InvalidInput("Read is true or false.")
    owned_mail.mark(key_principal(), read, public_ids=ids, query=_terms(search_text),
                    tz=request.args.get("tz"))
    return _ok()


@bp.delete("/api/v1/messages")
def messages_delete() -> Response:
    """Delete the given IDs, or every message without a body."""
    ids, _, _ = _ids_and_search()
    owned_mail.delete(key_principal(), public_ids=ids)
    return _ok()


@bp.delete("/api/v1/search")
def search_delete() -> Response:
    """Delete every message matching a search."""
    query = request.args.get("query", "").strip()
    if not query:
        raise InvalidInput("query is required.")
    owned_mail.delete(key_principal(), query=_terms(query), tz=request.args.get("tz"))
    return _ok()


@bp.get("/view/<message_id>.html")
def view_html(message_id: str) -> Response:
    """The message's HTML, sanitized; nothing in it can run."""
    message = _open(message_id)
    response = Response(clean_html(message.html_body).html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = VIEW_CSP
    return response


@bp.get("/view/<message_id>.txt")
def view_text(message_id: str) -> Response:
    """The message's text part."""
    return Response(_open(message_id).text_body, mimetype="text/plain")


@bp.get("/api/v1/info")
def info() -> Response:
    """Totals of the caller's mail, in Mailpit's shape."""
    found = owned_mail.page(key_principal(), limit=0)
    return jsonify({"Version": "mayfly", "LatestVersion": "", "Database": "", "DatabaseSize": 0,
                    "Messages": found.total, "Unread": found.unread, "Tags": {},
                    "RuntimeStats": {"Uptime": 0, "MessagesDeleted": 0, "SMTPAccepted": 0,
                                     "SMTPAcceptedSize": 0, "SMTPRejected": 0,
                                     "SMTPIgnored": 0}})


@bp.route("/api/v1/<path:rest>", methods=["GET", "POST", "PUT", "DELETE"])
def not_served(rest: str) -> Response:
    """What Mayfly does not serve: a clear 404, or 501 for a feature it lacks."""
    if rest.split("/")[0] in NOT_SERVED or rest.endswith(("-check", "/release", "/thumb")):
        return render_error(501, "Mayfly's Mailpit door does not serve this.")
    return render_error(404, "404 page not found")
