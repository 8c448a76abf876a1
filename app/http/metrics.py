"""GET /metrics for Prometheus, behind METRICS_TOKEN: without a token set it answers 404, so a
Mayfly on the public internet shows nothing; a scrape sends `Authorization: Bearer <token>`.
Also counts every 429 any door answers, by door."""

from __future__ import annotations

import hmac

from flask import Flask, Response, current_app, request
from werkzeug.exceptions import NotFound, Unauthorized

from app.extensions import limiter
from app.http.credentials import bearer_token
from app.services.runtime import metrics


def register(app: Flask) -> None:
    app.add_url_rule("/metrics", "metrics", limiter.exempt(_scrape))
    app.after_request(_count_refusals)


def _scrape() -> Response:
    token = current_app.config["MAYFLY"].metrics_token
    if not token:
        raise NotFound()
    # Only `Authorization: Bearer <token>`: a bare token, or another scheme, is refused.
    sent = (bearer_token() or "").encode()
    if not hmac.compare_digest(sent, token.encode()):
        raise Unauthorized("Send the METRICS_TOKEN as a bearer token.")
    body, content_type = metrics.exposition()
    return Response(body, content_type=content_type, headers={"Cache-Control": "no-store"})


def _count_refusals(response: Response) -> Response:
    if response.status_code == 429:
        metrics.RATE_LIMITED.labels(request.blueprint or "other").inc()
    return response
