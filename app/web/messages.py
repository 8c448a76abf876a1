"""One message in the browser: its page, the sandboxed body document, parts, raw, actions.

Mail HTML never enters our pages: it is sanitized on the server and served from its own
route, with its own strict CSP, into an <iframe sandbox> without same-origin: whatever runs
there runs in an opaque origin that can reach nothing of Mayfly's. The only script allowed
there is FRAME_SCRIPT, pinned by its hash: it fits wide mail to a phone's width and tells
the page how tall the mail is, so the frame is sized to its content.
"""

from __future__ import annotations

import base64
import hashlib

from flask import Response, redirect, render_template, request, url_for
from markupsafe import Markup
from werkzeug.exceptions import Forbidden, NotFound
from werkzeug.wrappers import Response as BaseResponse

from app.http.downloads import attachment_response, inline_image_response, raw_response
from app.http.per_app import per_app
from app.http.response_cache import BoundedCache
from app.mail.codes import extract_links, primary_link
from app.mail.sanitize import CleanedHtml, clean_html
from app.models import Message
from app.services.checks import sender_trust
from app.services.stored_mail import messages
from app.web import bp, visitor

VIEWS = ("html", "text", "source")
# Images a mail may show inline from its own parts; SVG can carry script, so it is not one.
INLINE_IMAGE_TYPES = frozenset({"image/png", "image/gif", "image/jpeg", "image/webp"})


FRAME_SCRIPT = (
    "(function(){var d=document.documentElement,b=document.body;"
    "function fit(){b.style.zoom='';var w=d.clientWidth,s=d.scrollWidth;"
    "if(s>w+1){b.style.zoom=String(w/s);}"
    "parent.postMessage({mayflyFrameHeight:d.scrollHeight},'*');}"
    "addEventListener('load',fit);addEventListener('resize',fit);fit();})();")
FRAME_SCRIPT_HASH = "sha256-" + base64.b64encode(
    hashlib.sha256(FRAME_SCRIPT.encode()).digest()).decode()


def body_csp(allow_remote: bool) -> str:
    images = "'self' data: https: http:" if allow_remote else "'self' data:"
    return "; ".join([
        "default-src 'none'", f"img-src {images}", "style-src 'unsafe-inline'",
        f"script-src '{FRAME_SCRIPT_HASH}'",
        "base-uri 'none'", "form-action 'none'", "frame-ancestors 'self'",
        # Opened on its own (Open in a full window) it is still an opaque origin.
        "sandbox allow-scripts allow-popups allow-popups-to-escape-sandbox",
    ])


# A stored message's HTML never changes and ids are never reused, so its sanitized form is
# kept: the page asks whether remote images were blocked, then its frame asks for the body.
def _cleaned_cache() -> BoundedCache[CleanedHtml]:
    return BoundedCache(8 * 1024 * 1024, lambda cleaned: len(cleaned.html) + 100)


def _sanitized(message: Message, allow_remote: bool) -> CleanedHtml:
    cache = per_app("mayfly_cleaned_html", _cleaned_cache)
    key = (message.public_id, allow_remote)
    cleaned = cache.get(key)
    if cleaned is None:
        cleaned = _clean(message, allow_remote)
        cache.put(key, cleaned)
    return cleaned


def _clean(message: Message, allow_remote: bool) -> CleanedHtml:
    return clean_html(message.html_body, allow_remote_images=allow_remote,
                      cid_url=_inline_images(message).get)


def _inline_images(message: Message) -> dict[str, str | None]:
    """By Content-ID, the URL of the part a body names with cid: (the first part with that
    id, as mail readers take it), or None when that part is no image we show inline."""
    urls: dict[str, str | None] = {}
    for part in message.attachments:
        if part.content_id and part.content_id not in urls:
            urls[part.content_id] = url_for(
                "web.message_part", message_id=message.public_id,
                attachment_id=part.public_id) if part.content_type in INLINE_IMAGE_TYPES else None
    return urls


@bp.get("/m/<int:message_id>")
def message_show(message_id: int) -> str:
    """The message page: headers, body tabs, attachments. Opening it marks it read."""
    opened = messages.open_message(message_id, visitor.principal(), mark_seen=True)
    message = opened.message
    view = request.args.get("view") or ("html" if message.html_body else "text")
    if view not in VIEWS:
        view = "text"
    # ?images=1 shows this message's remote images, ?images=0 hides them again; otherwise
    # the reader's choice for this sender holds, and only for mail whose DMARC verdict
    # authenticates the From address's domain (anyone can write any From header).
    asked = request.args.get("images")
    sender = sender_trust.authenticated_sender(message)
    remembered = sender is not None and visitor.shows_images_from(sender)
    allow_remote = asked == "1" or (asked != "0" and remembered)
    remote_blocked = bool(message.html_body) and _sanitized(message, False).remote_blocked
    source = None
    if view == "source":
        source = messages.raw_source(message).decode("utf-8", "replace")
    codes = messages.codes_of(message)
    # ?pane=1: the article alone, for the inbox's reading pane on wide screens.
    template = "message/_article.html" if request.args.get("pane") else "message/show.html"
    return render_template(
        template, message=message, address=opened.address, view=view,
        code=codes[0] if codes else None,
        action=primary_link(extract_links(message.text_body, message.html_body)),
        allow_remote=allow_remote, remote_blocked=remote_blocked, source=source,
        remembered=remembered, trusted_sender=sender,
        attachments=[a for a in message.attachments if not a.inline or not a.content_id])


@bp.get("/m/<int:message_id>/body")
def message_body(message_id: int) -> Response:
    """The sanitized HTML document the message page frames; remote images only when asked."""
    message = messages.open_message(message_id, visitor.principal()).message
    allow_remote = request.args.get("images") == "1"
    html = render_template("message/body.html", body=_sanitized(message, allow_remote).html,
                           frame_script=Markup(FRAME_SCRIPT))  # noqa: S704 - our constant
    response = Response(html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = body_csp(allow_remote)
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


@bp.get("/m/<int:message_id>/parts/<attachment_id>")
def message_part(message_id: int, attachment_id: str) -> Response:
    """An inline image the body names with cid:, for the sandboxed frame to show."""
    part = messages.attachment(message_id, visitor.principal(), attachment_id=attachment_id)
    if part.content_type not in INLINE_IMAGE_TYPES:
        raise NotFound()
    return inline_image_response(part)


@bp.get("/m/<int:message_id>/attachments/<attachment_id>")
def message_attachment(message_id: int, attachment_id: str) -> Response:
    """An attachment, always downloaded, never rendered in our origin."""
    return attachment_response(messages.attachment(message_id, visitor.principal(),
                                                   attachment_id=attachment_id))


@bp.get("/m/<int:message_id>/raw")
def message_raw(message_id: int) -> Response:
    """The raw source as plain text: shown, never rendered."""
    opened = messages.open_message(message_id, visitor.principal(), bodies=False,
                                   attachments=False)
    return raw_response(opened.message, "text/plain")


@bp.get("/m/<int:message_id>/checks")
def message_checks(message_id: int) -> Response | tuple[str, int]:
    """The sender checks' verdicts for the open page to show once they come; 204 until then."""
    if messages.peek(message_id, visitor.principal()).auth_pending:
        return "", 204
    message = messages.open_message(message_id, visitor.principal(), bodies=False,
                                    attachments=False).message
    response = Response(render_template("message/_checks.html", message=message),
                        mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/m/<int:message_id>/images")
def message_images(message_id: int) -> BaseResponse:
    """Always (show=1) or no longer (show=0) load remote images in mail from this sender.
    Always only from a message that authenticates its sender (DMARC pass for the From
    address's domain): a forged From header must not earn the trust, nor be trusted."""
    message = messages.open_message(message_id, visitor.principal(), bodies=False,
                                    attachments=False).message
    show = request.form.get("show") == "1"
    if show:
        sender = sender_trust.authenticated_sender(message)
        if sender is None:
            raise Forbidden("Images can be always shown only for a sender whose mail passed "
                            "DMARC: anyone can put any address in a From header.")
        visitor.show_images_from(sender, True)
    else:
        visitor.show_images_from(message.from_addr, False)
    return redirect(url_for("web.message_show", message_id=message_id, view="html",
                            images=None if show else 0), 303)


@bp.post("/m/<int:message_id>/delete")
def message_delete(message_id: int) -> BaseResponse:
    """Delete it everywhere, then back to its inbox."""
    address = messages.delete_message(message_id, visitor.principal())
    return redirect(url_for("web.inbox_show", address=address), 303)


@bp.post("/m/<int:message_id>/unread")
def message_unread(message_id: int) -> BaseResponse:
    """Mark it unread again, then back to its inbox."""
    opened = messages.set_seen(message_id, visitor.principal(), False)
    return redirect(url_for("web.inbox_show", address=opened.address), 303)
