"""Static files: fingerprinted and cached for a year, revalidated otherwise, gzipped."""

from __future__ import annotations

import gzip
import hashlib
import re

from app import ROOT


def test_pages_link_fingerprinted_files_cached_for_good(client):
    page = client.get("/login").get_data(as_text=True)
    css = re.search(r'href="(/static/css/app\.css\?v=([0-9a-f]{12}))"', page)
    assert css, "the stylesheet is linked with its content hash"
    expected = hashlib.sha256((ROOT / "static/css/app.css").read_bytes()).hexdigest()[:12]
    assert css.group(2) == expected  # a changed file gets a new URL
    answer = client.get(css.group(1), headers={"Accept-Encoding": "gzip"})
    assert answer.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert answer.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(answer.data) == (ROOT / "static/css/app.css").read_bytes()


def test_unversioned_urls_revalidate_for_free(client):
    first = client.get("/static/js/app.js")
    assert "max-age=31536000" not in first.headers.get("Cache-Control", "")
    again = client.get("/static/js/app.js", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_api_answers_are_not_compressed(client):
    answer = client.get("/api/v1/domains", headers={"Accept-Encoding": "gzip"})
    assert answer.status_code == 200 and "Content-Encoding" not in answer.headers
