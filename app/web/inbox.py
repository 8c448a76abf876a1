"""The visitor's address and inbox: home page, any address's inbox, the polled list fragment."""

from __future__ import annotations

from typing import Any

from flask import Response, flash, redirect, render_template, request, url_for
from werkzeug.exceptions import BadRequest, NotFound
from werkzeug.wrappers import Response as BaseResponse

from app.extensions import limiter
from app.http import streams
from app.http.limits import CREATE_LIMIT, HOME_LIMIT, POLL_LIMIT
from app.services.errors import MailboxNotFound, MayflyError
from app.services.ids import parse_id
from app.services.mailbox_life import mailbox_changes, mailbox_reads, mailbox_tokens, mailboxes
from app.services.stored_mail import inbox_actions, inbox_view, mailbox_states, pages
from app.web import bp, htmx, visitor


def _visitor_inbox() -> inbox_view.InboxView:
    """The visitor's live address and its inbox, making a fresh public one when needed."""
    address = visitor.current_address()
    if address:
        try:
            view = inbox_view.open_inbox(address, visitor.principal())
            if view.state is not None:
                return view
        except MailboxNotFound:
            pass
    created = mailboxes.create_mailbox()
    if address and mailbox_reads.has_expired(visitor.current_mailbox_id()):
        flash(f"{address} has expired, with its mail. This is your new address.")
    visitor.remember(created.mailbox.address, created.mailbox.id)
    return inbox_view.open_inbox(created.mailbox.address, visitor.principal())


@bp.get("/")
@limiter.limit(HOME_LIMIT)
def home() -> str:
    """The visitor's own address and its live inbox, at once."""
    return render_template("inbox/index.html", **_inbox_context(_visitor_inbox(), own=True))


@bp.get("/inbox/<address>")
def inbox_show(address: str) -> str | BaseResponse:
    """Any address's inbox: public ones open, protected ones after their token.

    `?token=` opens a protected mailbox from a link (tempmailg's email_token), then
    redirects so the token does not stay in the address bar or the history.
    """
    token = request.args.get("token")
    if token:
        return _unlock_from_link(address, token)
    view = _open(address)
    return render_template("inbox/index.html",
                           **_inbox_context(view, own=view.address == visitor.current_address()))


def _unlock_from_link(address: str, token: str) -> BaseResponse:
    try:
        visitor.unlock(mailbox_tokens.open_with_token(address, token))
    except MailboxNotFound:
        raise NotFound() from None
    return redirect(url_for("web.inbox_show", address=address.strip().lower()), 303)


@bp.get("/inbox/<address>/list")
@limiter.limit(POLL_LIMIT)  # polled every few seconds by every open tab; costs one row
def inbox_list(address: str) -> str | Response:
    """The message list fragment; 204 when nothing changed since the version the page knows."""
    version, page = inbox_view.inbox_changes(address, visitor.principal(),
                                           request.args.get("known"))
    if page is None:
        return htmx.no_change()
    return render_template("inbox/_list.html", standalone=True, address=address.strip().lower(),
                           **_list_context(page, version, mailbox_states.unread_of(version)))


@bp.post("/address/random")
@limiter.limit(CREATE_LIMIT)
def address_random() -> BaseResponse:
    """A fresh random address for the visitor."""
    created = mailboxes.create_mailbox(domain=request.form.get("domain") or None)
    visitor.remember(created.mailbox.address, created.mailbox.id)
    return redirect(url_for("web.home"), 303)


@bp.post("/address/choose")
@limiter.limit(CREATE_LIMIT)
def address_choose() -> BaseResponse | tuple[str, int]:
    """A chosen local part at a chosen domain; the same rules and messages as the API."""
    local = request.form.get("local", "")
    domain = request.form.get("domain") or None
    wanted = f"{local.strip().lower()}@{domain}"
    mine = _made_here(wanted)
    if mine is not None:  # a mailbox this browser made, still that very one: switch to it
        visitor.remember(wanted, mine)
        return redirect(url_for("web.home"), 303)
    try:
        created = mailboxes.create_mailbox(local, domain)
    except MayflyError as exc:
        return _choice_refused(exc, wanted, local, domain)
    visitor.remember(created.mailbox.address, created.mailbox.id)
    return redirect(url_for("web.home"), 303)


def _choice_refused(exc: MayflyError, wanted: str, local: str,
                    domain: str | None) -> tuple[str, int]:
    """The visitor's own inbox again, with why the address was refused and the choice kept."""
    # A taken public address can be opened (its mail is open to anyone who knows it).
    public = exc.code == "taken" and mailbox_states.find_state(wanted, visitor.principal())
    context = _inbox_context(_visitor_inbox(), own=True, error=exc.message, chosen=local,
                             chosen_domain=domain, taken=wanted if public else None)
    return render_template("inbox/index.html", **context), 409 if exc.code == "taken" else 422


@bp.post("/address/switch")
def address_switch() -> BaseResponse:
    """Back to one of the visitor's recent addresses."""
    address = request.form.get("address", "")
    mine = _made_here(address)
    if mine is not None:
        visitor.remember(address, mine)
    elif address in visitor.recent():
        visitor.forget(address)
        flash(f"{address} is no longer this browser's: it expired, was deleted or was "
              "taken by someone else.")
    return redirect(url_for("web.home"), 303)


def _made_here(address: str) -> int | None:
    """The id of the live mailbox at `address` if this browser made that very mailbox. The
    address alone proves nothing: deleted or expired, then taken by someone else, it is a
    new mailbox with a new id (ids are never reused), and not this browser's to switch to or
    to keep."""
    made = visitor.made_id(address)
    if made is None:
        return None
    state = mailbox_states.find_state(address, visitor.principal())
    return made if state is not None and state.id == made else None


@bp.post("/inbox/<address>/extend")
def address_extend(address: str) -> BaseResponse | str:
    """One more lifetime for the mailbox; htmx gets the address card back."""
    mailbox = mailbox_changes.extend_mailbox(address, visitor.principal())
    if htmx.is_htmx():
        return render_template("inbox/_expiry.html", mailbox=mailbox)
    return redirect(url_for("web.inbox_show", address=mailbox.address), 303)


@bp.post("/inbox/<address>/read-all")
def inbox_read_all(address: str) -> BaseResponse:
    """Mark every message of the mailbox read."""
    count = inbox_actions.mark_all_read(address, visitor.principal(), through=_through())
    flash(f"{count} message{'' if count == 1 else 's'} marked read.")
    return redirect(url_for("web.inbox_show", address=address), 303)


@bp.post("/inbox/<address>/delete-all")
def inbox_delete_all(address: str) -> BaseResponse:
    """Delete every message of the mailbox (the address stays)."""
    count = inbox_actions.delete_all(address, visitor.principal(), through=_through())
    flash(f"{count} message{'' if count == 1 else 's'} deleted.")
    return redirect(url_for("web.inbox_show", address=address), 303)


@bp.post("/inbox/<address>/unlock")
def inbox_unlock(address: str) -> BaseResponse | tuple[str, int]:
    """Open a protected mailbox with its token, for the rest of this browser session."""
    try:
        visitor.unlock(mailbox_tokens.open_with_token(address, request.form.get("token", "")))
    except MailboxNotFound:
        context = _inbox_context(_open(address), own=False,
                                 unlock_error="That token does not open this mailbox.")
        return render_template("inbox/index.html", **context), 403
    return redirect(url_for("web.inbox_show", address=address), 303)


def _open(address: str) -> inbox_view.InboxView:
    try:
        return inbox_view.open_inbox(address, visitor.principal())
    except MailboxNotFound:
        raise NotFound() from None


def _through() -> int | None:
    """The newest message the page showed (its form says); mail newer than it is left.
    Without it, all of the mailbox; anything but a message id is refused, never read as all."""
    raw = request.form.get("through")
    if raw is None:
        return None
    through = parse_id(raw)
    if through is None:
        raise BadRequest("through must be the message id the page gave.")
    return through


def _list_context(page: pages.Page, version: str, unread: int) -> dict[str, Any]:
    return {"items": page.items, "more": page.next_cursor is not None, "unread": unread,
            "version": version}


def _inbox_context(view: inbox_view.InboxView, *, own: bool, **extra: Any) -> dict[str, Any]:
    return {
        **_list_context(view.page, view.version, view.state.unread if view.state else 0),
        "address": view.address,
        "mailbox": view.state,
        "own": own,
        "domains": [d.name for d in view.domains],
        "recent": mailbox_reads.live_addresses(
            [a for a in visitor.recent() if a != view.address], visitor.principal()),
        **extra,
    }


@bp.get("/inbox/<address>/events")
@limiter.exempt  # one long request per open tab, capped by WAIT_MAX_CONCURRENT
def inbox_events(address: str) -> Response:
    """Server-Sent Events for the open inbox: it refreshes at once, not at the next poll."""
    return streams.message_stream(address, visitor.principal(), _event)


def _event(message: pages.Summary) -> dict[str, Any]:
    # The page fetches its list fragment itself; the event only says something came.
    return {"id": message.public_id}
