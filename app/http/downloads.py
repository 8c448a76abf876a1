"""How every HTTP door hands out bytes that came in a mail: as a download, never rendered,
and streamed from the store in chunks so a large attachment never sits whole in memory."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from urllib.parse import quote

from flask import Response, stream_with_context

from app.models import Attachment, Message
from app.services.stored_mail import blobs

# Even if a browser were talked into rendering it, the document could run nothing.
ATTACHMENT_CSP = "sandbox; default-src 'none'"


def attachment_response(attachment: Attachment) -> Response:
    """The attachment's bytes with Content-Disposition: attachment and nosniff."""
    response = _stream(blobs.attachment_chunks(attachment), attachment.content_type,
                       attachment.size)
    response.headers.set("Content-Disposition", "attachment", **_filename(attachment.filename))
    return response


def inline_image_response(attachment: Attachment) -> Response:
    """An inline part a sandboxed message body shows; still sandboxed if opened alone."""
    response = _stream(blobs.attachment_chunks(attachment), attachment.content_type,
                       attachment.size)
    # The frame's document has an opaque origin, so its image loads are cross-origin.
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


def raw_response(message: Message, mimetype: str, download_name: str | None = None) -> Response:
    """The message exactly as received."""
    response = _stream(blobs.raw_chunks(message), mimetype, message.size)
    if download_name:
        response.headers.set("Content-Disposition", "inline", **_filename(download_name))
    return response


def _stream(chunks: Iterable[bytes], mimetype: str, size: int) -> Response:
    response = Response(stream_with_context(chunks), mimetype=mimetype,
                        headers={"Content-Length": str(size)})
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = ATTACHMENT_CSP
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _filename(name: str) -> dict[str, str]:
    """filename= for every client, filename*= (RFC 5987) when the name is not ASCII."""
    try:
        name.encode("ascii")
    except UnicodeEncodeError:
        simple = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
        return {"filename": simple or "attachment",
                "filename*": "UTF-8''" + quote(name, safe="!#$&+-.^_`|~")}
    return {"filename": name}
