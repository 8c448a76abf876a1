"""Every htmx header name Mayfly reads or writes lives here."""

from __future__ import annotations

from flask import Response, request

HX_REQUEST = "HX-Request"
HX_TRIGGER = "HX-Trigger"


def is_htmx() -> bool:
    return request.headers.get(HX_REQUEST) == "true"


def no_change() -> Response:
    """204: htmx 2 and 4 both leave the page as it is."""
    return Response(status=204)
