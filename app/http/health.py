"""/livez and /readyz, for load balancers and orchestrators: the first says the process
answers (it touches nothing), the second whether it can do its work (the store, Redis when
configured, the SMTP door: app.services.runtime.readiness). Neither tells anything of any
mailbox; both answer JSON and are never cached."""

from __future__ import annotations

from flask import Flask, Response, jsonify

from app.services.runtime import readiness

NO_STORE = {"Cache-Control": "no-store"}


def register(app: Flask) -> None:
    app.add_url_rule("/livez", "livez", _live)
    app.add_url_rule("/readyz", "readyz", _ready)


def _live() -> tuple[Response, int, dict[str, str]]:
    return jsonify({"status": "ok"}), 200, NO_STORE


def _ready() -> tuple[Response, int, dict[str, str]]:
    states = readiness.check()
    ready = readiness.ready(states)
    return jsonify({"status": "ok" if ready else "unavailable", **states}), \
        200 if ready else 503, NO_STORE
