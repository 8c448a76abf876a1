"""Mailbox routes: create, read, extend, delete, and list messages (with wait)."""

from __future__ import annotations

from flask import Response, jsonify, request, url_for

from app.api import bp, inputs
from app.api.auth import current_principal
from app.api.serializers import iso, mailbox_json, message_summary
from app.extensions import limiter
from app.http import response_cache, streams, waits
from app.http.limits import CREATE_LIMIT
from app.services.access import Principal
from app.services.mailbox_life import mailbox_changes, mailboxes
from app.services.stored_mail import mail_waits, mailbox_states, pages
from app.services.stored_mail.message_filters import Filters

# What a creator may ask of a mailbox's life, in seconds (it only ever shortens it).
MIN_TTL, MAX_TTL = 60, 366 * 24 * 3600


@bp.post("/mailboxes")
@limiter.limit(CREATE_LIMIT)
def mailbox_create() -> tuple[Response, int, dict[str, str]]:
    """A new mailbox; random local part unless one is given; the token is shown once."""
    body = inputs.json_object(optional=True)
    principal = current_principal()
    created = mailboxes.create_mailbox(
        inputs.optional_str(body, "local"), inputs.optional_str(body, "domain"),
        protected=inputs.optional_bool(body, "protected"), owner_id=principal.user_id,
        ttl=inputs.optional_seconds(body, "ttl", MIN_TTL, MAX_TTL))
    data = {**mailbox_json(created.mailbox), "expires_at": iso(created.mailbox.expires_at)}
    if created.token:
        data["token"] = created.token
    location = url_for("api.mailbox_get", address=created.mailbox.address)
    return jsonify(data), 201, {"Location": location}


@bp.get("/mailboxes/<address>")
def mailbox_get(address: str) -> Response:
    """The mailbox, if the caller may read it, with its unread count."""
    state = mailbox_states.mailbox_state(address, current_principal())
    return jsonify(mailbox_json(state, unread=state.unread))


@bp.delete("/mailboxes/<address>")
def mailbox_delete(address: str) -> tuple[str, int]:
    """The mailbox and every message in it are gone."""
    mailbox_changes.delete_mailbox(address, current_principal())
    return "", 204


@bp.post("/mailboxes/<address>/extend")
def mailbox_extend(address: str) -> Response:
    """Expiry moves one lifetime from now."""
    mailbox = mailbox_changes.extend_mailbox(address, current_principal())
    return jsonify(mailbox_json(mailbox))


@bp.get("/mailboxes/<address>/messages")
def messages_list(address: str) -> Response:
    """Newest first, by cursor; with wait, holds until something newer than since arrives."""
    principal = current_principal()
    limit = inputs.query_int("limit", 50)
    cursor = inputs.query_int("cursor")
    since = inputs.query_int("since")
    wait = inputs.query_seconds("wait", mail_waits.MAX_WAIT_SECONDS)
    filters = Filters.from_args(request.args)
    if wait and cursor is None:
        return _waited(address, principal, wait=wait, limit=limit, since=since, filters=filters)
    state = mailbox_states.mailbox_state(address, principal)
    # The same mailbox version and query show the same list: answered from the cache.
    key = ("api-list", state.id, state.version, request.query_string)
    cached = response_cache.cached_json(key)
    if cached is not None:
        return cached
    page = pages.page(state.id, limit=limit, cursor=cursor, since=since, filters=filters)
    return response_cache.keep_json(key, _listing(page))


def _waited(address: str, principal: Principal, *, wait: float, limit: int,
            since: int | None, filters: Filters) -> Response:
    """The list once something newer than `since` is there, or `wait` seconds have passed."""
    # A fair share of this process's held calls, or 429.
    with waits.hold("wait", principal):
        page = mail_waits.wait_for_messages(address, principal, wait=wait, limit=limit,
                                            since=since, gone=waits.gone_check(),
                                            filters=filters)
    return _listing(page)


def _listing(page: pages.Page) -> Response:
    return jsonify({
        "messages": [message_summary(m) for m in page.items],
        "next_cursor": None if page.next_cursor is None else str(page.next_cursor),
    })


@bp.get("/mailboxes/<address>/events")
def mailbox_events(address: str) -> Response:
    """Server-Sent Events: one `message` event (the summary) per new message."""
    return streams.message_stream(address, current_principal(), message_summary)
