"""GET /api/v1/domains."""

from __future__ import annotations

from flask import Response, jsonify

from app.api import bp
from app.services.mailbox_life import domains


@bp.get("/domains")
def domains_list() -> Response:
    """Active domains, the default first."""
    return jsonify({"domains": [{"name": d.name, "default": i == 0}
                                for i, d in enumerate(domains.list_active())]})
