"""How every HTTP door hands out bytes that came in a mail: as a download, never rendered."""

from __future__ import annotations

import io

from flask import Response, send_file

# Even if a browser were talked into rendering it, the document could run nothing.
ATTACHMENT_CSP = "sandbox; default-src 'none'"


def attachment_response(data: bytes, content_type: str, filename: str) -> Response:
    response = send_file(io.BytesIO(data), mimetype=content_type, as_attachment=True,
                         download_name=filename, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = ATTACHMENT_CSP
    return response
