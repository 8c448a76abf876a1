"""What two or more dialects share: error rendering, time formats, raw source as text, the
public principal."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from flask import Blueprint, Response
from werkzeug.exceptions import HTTPException

from app.services import domains
from app.services.access import Principal
from app.services.errors import MayflyError

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
