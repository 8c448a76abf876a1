"""Security headers on every response, pages and API alike."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("path", ["/api/v1/domains", "/api/v1/nothing", "/no-such-page"])
def test_headers_everywhere(client, path):
    headers = client.get(path).headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"


def test_unexpected_errors_are_clean_500s(make_app):
    app = make_app()

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("secret detail")

    @app.get("/api/v1/boom")
    def api_boom() -> str:
        raise RuntimeError("secret detail")

    client = app.test_client()
    page = client.get("/boom")
    assert page.status_code == 500
    assert "secret detail" not in page.get_data(as_text=True)
    assert 'class="site-header"' in page.get_data(as_text=True)
    api = client.get("/api/v1/boom")
    assert api.status_code == 500
    assert api.json["error"]["code"] == "internal_error"
