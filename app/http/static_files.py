"""Static files: fingerprinted URLs cached for a year, revalidation for the rest, gzip.

`url_for("static", …)` adds `?v=<content hash>`, so a changed file gets a new URL and a
browser may keep each version for good (`Cache-Control: public, max-age=31536000,
immutable`). A URL without the hash is answered with its ETag and revalidated (a 304 costs
no body). Flask-Compress gzips CSS, JavaScript and SVG; JSON, pages and event streams are
left as they are (the API's speed is measured uncompressed, and a stream must not buffer).
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Any

from flask import Flask, request
from flask_compress import Compress

YEAR = 365 * 24 * 3600
COMPRESSED = ["text/css", "text/javascript", "application/javascript", "image/svg+xml"]
compress = Compress()


def register(app: Flask) -> None:
    folder = Path(app.static_folder or "")
    app.config.update(COMPRESS_MIMETYPES=COMPRESSED, COMPRESS_ALGORITHM=["gzip"],
                      COMPRESS_ALGORITHM_STREAMING=["gzip"],
                      COMPRESS_MIN_SIZE=500)
    compress.init_app(app)

    @app.url_defaults
    def fingerprint(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint == "static" and "filename" in values and "v" not in values:
            values["v"] = _digest(folder / values["filename"])

    def max_age(filename: str | None) -> int | None:
        return YEAR if request.args.get("v") else None  # None: revalidate every time

    app.get_send_file_max_age = max_age  # type: ignore[method-assign]

    @app.after_request
    def immutable(response: Any) -> Any:
        if request.endpoint == "static" and request.args.get("v") and response.status_code == 200:
            response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
        return response


@cache
def _digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    except OSError:
        return "0"
