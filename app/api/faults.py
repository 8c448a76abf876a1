"""Fault rules on a mailbox the API key's user owns: POST, GET and DELETE
/api/v1/mailboxes/{address}/faults (app.services.ingest.faults)."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

from app.api import bp, inputs
from app.api.auth import current_user
from app.models import FaultRule
from app.models.user import User
from app.services.errors import InvalidInput, Unauthorized
from app.services.ingest import faults
from app.services.summaries import iso


def _user() -> User:
    user = current_user()
    if user is None:
        raise Unauthorized("Fault rules need the owner's API key.")
    return user


def rule_json(rule: FaultRule) -> dict[str, Any]:
    return {"id": rule.id, "kind": rule.kind, "code": rule.code, "seconds": rule.seconds,
            "remaining": rule.remaining, "fired": rule.fired,
            "last_fired_at": iso(rule.last_fired_at), "created_at": iso(rule.created_at)}


def _optional_int(body: dict[str, Any], key: str) -> int | None:
    value = body.get(key)
    if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
        raise InvalidInput(f"'{key}' must be a whole number.")
    return value


@bp.post("/mailboxes/<address>/faults")
def fault_create(address: str) -> tuple[Response, int]:
    """A new rule: {"kind", "count"?, "code"?, "seconds"?}."""
    body = inputs.json_object()
    kind = inputs.optional_str(body, "kind") or ""
    count = _optional_int(body, "count")
    rule = faults.add(_user().id, address, kind=kind, count=1 if count is None else count,
                      code=_optional_int(body, "code"), seconds=_optional_int(body, "seconds"))
    return jsonify(rule_json(rule)), 201


@bp.get("/mailboxes/<address>/faults")
def fault_list(address: str) -> Response:
    """The mailbox's rules, with what each has done."""
    return jsonify({"faults": [rule_json(r) for r in faults.rules(_user().id, address)]})


@bp.delete("/mailboxes/<address>/faults/<int:rule_id>")
def fault_delete(address: str, rule_id: int) -> tuple[str, int]:
    faults.remove(_user().id, address, rule_id)
    return "", 204
