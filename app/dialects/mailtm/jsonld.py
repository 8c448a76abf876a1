"""mail.tm's two answer shapes: JSON-LD (Hydra collections, `@id`s) by default, plain JSON
when the client asks for `application/json` alone; and its error envelopes in both."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Response, jsonify, request

from app.dialects._common import iso_time

LD = "application/ld+json"


def wants_ld() -> bool:
    """JSON-LD for `application/ld+json`, `*/*` or no Accept; plain JSON otherwise."""
    accept = request.headers.get("Accept", "").lower()
    return not accept or LD in accept or "*/*" in accept or "application/json" not in accept


def answer(data: Any, status: int = 200) -> Response:
    response = jsonify(data)
    response.status_code = status
    response.mimetype = LD if wants_ld() else "application/json"
    return response


def render_error(status: int, message: str | None = None) -> Response:
    text = message or {401: "JWT Token not found", 404: "Not Found",
                       405: "Method Not Allowed", 429: "Too Many Requests"}.get(status, "Error")
    if status == 401:
        return answer({"code": 401, "message": text}, 401)
    return answer({"@context": "/contexts/Error", "@type": "hydra:Error",
                   "hydra:title": "An error occurred", "hydra:description": text,
                   "title": "An error occurred", "detail": text, "status": status}, status)


def time(moment: datetime | None) -> str | None:
    return iso_time(moment)


def item(kind: str, path: str, data: dict[str, Any]) -> dict[str, Any]:
    """One resource: with its `@context`, `@id` and `@type` when the answer is JSON-LD."""
    if not wants_ld():
        return data
    return {"@context": f"/contexts/{kind}", "@id": path, "@type": kind, **data}


def collection(kind: str, path: str, members: list[dict[str, Any]], total: int) -> Any:
    """A Hydra collection as JSON-LD; the bare array of members as plain JSON."""
    if not wants_ld():
        return members
    return {"@context": f"/contexts/{kind}", "@id": path, "@type": "hydra:Collection",
            "hydra:member": members, "hydra:totalItems": total}
