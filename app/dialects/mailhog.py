"""MailHog's API, `/compat/mailhog/api/…`, HTTP Basic auth with a Mayfly API key as password.

MailHog is a single-inbox catcher; here its inbox is the mail of every mailbox the key's
user owns, an admin's too (every mailbox only for a key made with admin scope while its user
is an admin): totals, search and delete-all cover only that,
another user's ids answer 404 and changes to them do nothing. Served as MailHog 1.0.1 and its
clients (npm `mailhog`, `cypress-mailhog`) use it:

- `GET /api/v2/messages?start=&limit=` → `{"total", "start", "items", "count"}`, newest first.
- `GET /api/v2/search?kind=from|to|containing&query=&start=&limit=` → the same shape.
- `GET /api/v1/messages`, `GET /api/v1/messages/{ID}` → items; `GET …/{ID}/download` the raw.
- `DELETE /api/v1/messages/{ID}` and `DELETE /api/v1/messages` → 200, empty body.

An item: `ID` (the message's Mayfly id, as a string), `From` and `To` (the envelope, as
MailHog paths `{Relays, Mailbox, Domain, Params}`), `Content {Headers, Body, Size, MIME}`
(header names in canonical form, each with its raw values; the body still transfer-encoded),
`Created` (UTC), `MIME` (null for a single part, else `{"Parts": [...]}`), `Raw {From, To,
Data, Helo}`. Choices where MailHog is silent or Mayfly differs:
- `MIME.Parts` lists every leaf part, nested multiparts flattened, so clients that look one
  level deep find the text, the HTML and the attachments. Parts carry no nested `MIME`.
- `Raw.Helo` is empty: Mayfly does not keep the HELO name. `limit` defaults to 50, at most
  1,000. A page also stops once its items pass PAGE_BYTES encoded (8 MiB; always at least
  one item): `count` says how many it holds and `total` how many there are, so a client
  pages on with `start=start+count`. The JSON is streamed, `count` last, and messages are
  loaded a few at a time, so a request holds a few messages in memory, never a page.
- Search: `from` matches the sender (header or envelope), `to` the recipients,
  `containing` subject, addresses and text, within the native search's limits (1,000
  characters, 64 words): a query past them is 400.
- Not served: the event stream, release, Jim (chaos) and outgoing SMTP: 404, in text.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
from flask import Blueprint, Response, jsonify, request, stream_with_context

from app.dialects._common import install_errors, install_key_auth, key_principal, text_error
from app.http.downloads import raw_response
from app.mail import raw_view
from app.mail.search_query import Term
from app.models import Message
from app.services.errors import InvalidInput, NotFound, Unauthorized
from app.services.ids import parse_id
from app.services.stored_mail import messages, owned_mail
from app.services.stored_mail.search import terms as search_terms

bp = Blueprint("mailhog", __name__, url_prefix="/compat/mailhog/api")
render_error = text_error
install_errors(bp, render_error, ((Unauthorized, 401), (NotFound, 404)))
install_key_auth(bp)
KINDS = {"from": "from", "to": "to", "containing": "text"}


def _int(name: str, default: int) -> int:
    raw = request.args.get(name, "")
    if not raw:
        return default
    value = parse_id(raw, 2**31) if raw != "0" else 0
    if value is None:
        raise InvalidInput(f"{name} must be a whole number.")
    return value


def _path(address: str) -> dict[str, Any]:
    mailbox, _, domain = address.rpartition("@")
    return {"Relays": None, "Mailbox": mailbox if domain else address, "Domain": domain,
            "Params": ""}


def item(message: Message) -> dict[str, Any]:
    raw = messages.raw_source(message)
    parsed = raw_view.parse(raw)
    parts = raw_view.leaf_parts(parsed)
    mime = {"Parts": [{"Headers": p.headers, "Body": p.body, "Size": p.size, "MIME": None}
                      for p in parts]} if parts else None
    recipients = list(message.envelope_to or [])
    return {
        "ID": str(message.public_id),
        "From": _path(message.envelope_from),
        "To": [_path(address) for address in recipients],
        "Content": {"Headers": raw_view.headers(parsed), "Body": raw_view.body(raw),
                    "Size": message.size, "MIME": None},
        "Created": message.received_at.isoformat(timespec="milliseconds").replace(
            "+00:00", "Z"),
        "MIME": mime,
        "Raw": {"From": message.envelope_from, "To": recipients,
                "Data": raw.decode("utf-8", "replace"), "Helo": ""},
    }


# A page stops adding items once their encoded size passes this (always at least one): a
# MailHog item carries a message about three times over (body, parts, raw), so 30 messages
# of 2 MB made a 131 MB answer and a full page of large ones could be gigabytes.
PAGE_BYTES = 8 * 1024 * 1024
# Messages (raw source and all) come from the store this many at a time: a request holds a
# batch, never a whole page.
BATCH = 10


def _page() -> tuple[int, int]:
    return _int("start", 0), min(_int("limit", 50), owned_mail.MAX_LIMIT)


def _listing(query: list[Term] | None = None) -> Response:
    """`{"total", "start", "items", "count"}`, streamed: `count` (what this page holds,
    PAGE_BYTES permitting) comes last, once known; `total` is every match, so a client
    pages on with `start=start+count`."""
    start, limit = _page()
    # The count and the query run before the answer starts: an error is still an error.
    found = owned_mail.stream(key_principal(), start=start, limit=limit, query=query,
                              batch=BATCH)
    head = b'{"total":%d,"start":%d,"items":[' % (found.matched, start)

    def body() -> Iterator[bytes]:
        yield head
        count = yield from _items(found.batches)
        yield b'],"count":%d}' % count

    return _streamed(body())


def _items(batches: Iterator[list[Message]]) -> Iterator[bytes]:
    """The encoded items of one page, comma-separated; returns how many were sent. Stops
    before the item that would take the page past PAGE_BYTES (the first is always sent)."""
    count = sent = 0
    for batch in batches:
        for message in batch:
            encoded = orjson.dumps(item(message))
            if count and sent + len(encoded) > PAGE_BYTES:
                return count
            yield (b"," if count else b"") + encoded
            count, sent = count + 1, sent + len(encoded)
    return count


def _streamed(chunks: Iterator[bytes]) -> Response:
    return Response(stream_with_context(chunks), mimetype="application/json")


@bp.get("/v2/messages")
def messages_v2() -> Response:
    """Every message in scope, newest first, by offset."""
    return _listing()


@bp.get("/v2/search")
def search_v2() -> Response:
    """Messages whose sender, recipients or content contain `query`."""
    kind = request.args.get("kind", "containing")
    query = request.args.get("query", "")
    if kind not in KINDS:
        raise InvalidInput("kind is from, to or containing.")
    # Held to the search language's limits before the mail is looked at.
    return _listing(search_terms([Term(KINDS[kind], query)]) if query else None)


@bp.get("/v1/messages")
def messages_v1() -> Response:
    """MailHog v1: the list as a plain array, newest first, held to PAGE_BYTES like v2."""
    found = owned_mail.stream(key_principal(), limit=_page()[1], batch=BATCH)

    def body() -> Iterator[bytes]:
        yield b"["
        yield from _items(found.batches)
        yield b"]"

    return _streamed(body())


def _message_id(text: str) -> int:
    public_id = parse_id(text)
    if public_id is None:
        raise NotFound("Message not found.")
    return public_id


@bp.get("/v1/messages/<message_id>")
def message_v1(message_id: str) -> Response:
    """One message."""
    opened = messages.open_message(_message_id(message_id), key_principal(), owned_only=True,
                                   raw=True)
    return jsonify(item(opened.message))


@bp.get("/v1/messages/<message_id>/download")
def message_download(message_id: str) -> Response:
    """The message exactly as received."""
    opened = messages.open_message(_message_id(message_id), key_principal(), bodies=False,
                                   attachments=False, owned_only=True)
    return raw_response(opened.message, "message/rfc822", f"{message_id}.eml")


@bp.delete("/v1/messages/<message_id>")
def message_delete(message_id: str) -> Response:
    """Delete one message (another user's: 404, and nothing changes)."""
    messages.delete_message(_message_id(message_id), key_principal(), owned_only=True)
    return Response(status=200)


@bp.delete("/v1/messages")
def messages_delete() -> Response:
    """Delete every message in scope."""
    owned_mail.delete(key_principal())
    return Response(status=200)
