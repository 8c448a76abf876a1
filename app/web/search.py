"""The browser's search: the inbox's search box (one mailbox) and the dashboard's (every
mailbox the signed-in user owns). A page without htmx; the results fragment with it."""

from __future__ import annotations

from flask import render_template, request

from app.services.errors import InvalidInput, Unauthorized
from app.services.stored_mail import search
from app.web import bp, htmx, visitor


@bp.get("/search")
def search_page() -> tuple[str, int]:
    query = request.args.get("q", "")
    mailbox = request.args.get("mailbox") or None
    context = {"query": query, "mailbox": mailbox, "found": None, "problem": None}
    status = 200
    if query.strip():
        try:
            context["found"] = search.find(visitor.principal(), query, mailbox=mailbox)
        except InvalidInput as exc:
            context["problem"], status = exc.message, 422
        except Unauthorized:
            context["problem"], status = "Sign in to search all your mailboxes.", 401
    template = "search/_results.html" if htmx.is_htmx() else "search/page.html"
    return render_template(template, **context), status
