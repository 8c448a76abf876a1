"""The admin page: domains (add, disable, type) and users' plans."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from flask import redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response as BaseResponse

from app.config_values import DOMAIN_TYPES, parse_domain_types
from app.services.accounts import plans, users
from app.services.errors import InvalidInput, MayflyError
from app.services.mailbox_life import domains
from app.web import bp
from app.web.forms import DomainForm, PlanForm

P = ParamSpec("P")
R = TypeVar("R")


def admin_required(view: Callable[P, R]) -> Callable[P, R]:
    """Signed-in admins only; anyone else sees the page does not exist."""

    @wraps(view)
    @login_required
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        if not current_user.is_admin:
            raise NotFound()
        return view(*args, **kwargs)

    return wrapper


def _page(status: int = 200, **extra: Any) -> tuple[str, int]:
    rows = [(u, plans.plan_for(u), PlanForm(prefix=f"u{u.id}", is_admin=u.is_admin))
            for u in users.list_users()]
    return render_template("admin/index.html", domains=domains.list_all(), users=rows,
                           domain_form=extra.pop("domain_form", None) or DomainForm(),
                           kinds=DOMAIN_TYPES, **extra), status


@bp.get("/admin")
@admin_required
def admin() -> tuple[str, int]:
    """Domains and users."""
    return _page()


@bp.post("/admin/domains")
@admin_required
def admin_domain_add() -> BaseResponse | tuple[str, int]:
    """Add a domain; it receives mail at once."""
    form = DomainForm()
    if form.validate_on_submit():
        try:
            domains.add_domain(form.name.data or "", form.kind.data or "free")
        except MayflyError as exc:
            form.name.errors = [exc.message]
        else:
            return redirect(url_for("web.admin"), 303)
    return _page(422, domain_form=form)


@bp.post("/admin/domains/<name>")
@admin_required
def admin_domain_update(name: str) -> BaseResponse:
    """Enable, disable, or change a domain's type."""
    action = request.form.get("action")
    if action in ("enable", "disable"):
        domains.update_domain(name, active=action == "enable")
    elif action == "kind":
        domains.update_domain(name, kind=request.form.get("kind", ""))
    else:
        raise InvalidInput("Unknown action.")
    return redirect(url_for("web.admin"), 303)


@bp.post("/admin/users/<int:user_id>")
@admin_required
def admin_user_update(user_id: int) -> BaseResponse | tuple[str, int]:
    """Set a user's plan limits (empty fields keep the current value) and admin flag."""
    user = users.get_user(user_id)
    if user is None:
        raise NotFound()
    form = PlanForm(prefix=f"u{user_id}")
    if not form.validate_on_submit():
        return _page(422)
    try:
        kinds = parse_domain_types(form.domain_types.data) if form.domain_types.data else None
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    storage = form.storage_mib.data
    users.set_plan(user, requests=form.requests.data, mailboxes_limit=form.mailboxes.data,
                   storage=None if storage is None else storage * 1024 * 1024, domain_types=kinds)
    if user.id != current_user.id:  # an admin cannot lock themselves out
        users.set_admin(user, form.is_admin.data)
    return redirect(url_for("web.admin"), 303)
