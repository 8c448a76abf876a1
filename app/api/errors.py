"""Every error under /api is {"error": {"code", "message"}} with the right status."""

from __future__ import annotations

from flask import Response, jsonify
from werkzeug.exceptions import HTTPException

from app.api import bp
from app.services import errors

STATUS = {
    errors.RequestQuotaExhausted: 429,
    errors.NotFound: 404,
    errors.Unauthorized: 401,
    errors.ReservedAddress: 403,
    errors.QuotaExceeded: 403,
    errors.AddressTaken: 409,
    errors.InvalidInput: 422,
}
_HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 413: "too_large", 415: "unsupported_media_type",
               422: "invalid", 429: "rate_limited", 500: "internal_error"}


def render_error(status: int, message: str, code: str | None = None) -> Response:
    response = jsonify({"error": {"code": code or _HTTP_CODES.get(status, "error"),
                                  "message": message}})
    response.status_code = status
    return response


@bp.errorhandler(errors.MayflyError)
def _domain_error(exc: errors.MayflyError) -> Response:
    status = next((s for cls, s in STATUS.items() if isinstance(exc, cls)), 400)
    response = render_error(status, exc.message, exc.code)
    if isinstance(exc, errors.RequestQuotaExhausted):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> Response:
    response = render_error(exc.code or 500, exc.description or "")
    if exc.code == 405 and exc.response is None:
        allowed = getattr(exc, "valid_methods", None)
        if allowed:
            response.headers["Allow"] = ", ".join(allowed)
    return response
