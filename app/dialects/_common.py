"""What two or more dialects share: error rendering, API-key auth, time formats, raw source
as text, the public principal."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from flask import Blueprint, Response, g
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from app.http import cors, quota_headers
from app.http.credentials import basic_password, bearer_token
from app.services.access import Principal
from app.services.accounts import api_keys
from app.services.errors import MayflyError, Unauthorized
from app.services.mailbox_life import domains

Renderer = Callable[..., Response]


def install_errors(bp: Blueprint, render_error: Renderer,
                   statuses: Sequence[tuple[type[MayflyError], int]], *, default: int = 400,
                   message: Callable[[MayflyError, int], str | None] = lambda e, _: e.message,
                   ) -> None:
    """The dialect's errors in its own envelope: a domain error gets the status of the first
    matching class in `statuses` (else `default`) and `message(exc, status)`; an HTTP error
    its own status and the dialect's words for it; a Retry-After travels with a quota."""

    @bp.errorhandler(MayflyError)
    def _domain_error(exc: MayflyError) -> Response:
        status = next((s for cls, s in statuses if isinstance(exc, cls)), default)
        response = render_error(status, message(exc, status))
        retry_after = getattr(exc, "retry_after", None)
        if retry_after:
            response.headers["Retry-After"] = str(retry_after)
        return response

    @bp.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response:
        return render_error(exc.code or 500)

# Public doors (1secmail, tempmail-php) never see a protected mailbox, token or not.
PUBLIC = Principal(public_door=True)


def sql_time(moment: datetime | None) -> str | None:
    """'2026-11-21 10:00:00', UTC."""
    return None if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def iso_time(moment: datetime | None) -> str | None:
    """'2026-11-21T10:00:00+00:00'."""
    return None if moment is None else moment.astimezone(UTC).isoformat(timespec="seconds")


def raw_text(raw: bytes) -> str:
    """The raw message as a JSON string, byte for byte: UTF-8 when it is valid UTF-8 (nearly
    all mail), else Latin-1, whose code points are the bytes themselves."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def public_domains() -> list[str]:
    """Active domains of the free type: the ones public doors offer."""
    return [d.name for d in domains.list_active() if d.kind == "free"]


def install_key_auth(bp: Blueprint) -> None:
    """Every call of the blueprint carries a Mayfly API key as the password of HTTP Basic
    auth (any user name), as MailHog's and Mailpit's clients send credentials; the call acts
    as the key's user and counts against their plan. Its scope is the user's own mailboxes,
    an admin's too: every tenant's mail (which delete-all would then wipe) only for a key
    made with admin scope whose user is still an admin (api_keys.holder)."""

    @bp.before_request
    def _authenticate() -> None:
        if cors.is_options():
            return
        key = basic_password() or bearer_token()
        holder = api_keys.holder(key) if key else None
        if holder is None:
            raise Unauthorized("Use HTTP Basic auth with a Mayfly API key as the password.")
        g.principal = holder.principal
        g.user = holder.user
        quota_headers.before(holder.user)

    bp.after_request(quota_headers.after)


def key_principal() -> Principal:
    """The principal install_key_auth found for this request."""
    principal: Principal = g.principal
    return principal


def text_error(status: int, message: str | None = None) -> Response:
    """A plain-text error, as MailHog and Mailpit answer; 401 asks for Basic auth."""
    response = Response((message or HTTP_STATUS_CODES.get(status, "Error")) + "\n",
                        status=status, mimetype="text/plain")
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Basic realm="Mayfly"'
    return response
