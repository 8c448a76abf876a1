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
