"""GET /api/v1/openapi.json: the contract, served as checked in."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from flask import Response, jsonify

from app.api import bp

SPEC_PATH = Path(__file__).with_name("openapi.json")


@cache
def load_spec() -> dict:
    return json.loads(SPEC_PATH.read_text())


@bp.get("/openapi.json")
def openapi_document() -> Response:
    """The OpenAPI 3.1 document of this API."""
    return jsonify(load_spec())
