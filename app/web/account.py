"""A signed-in user's dashboard: owned mailboxes, API keys, quota; password and deletion."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, logout_user
from werkzeug.wrappers import Response as BaseResponse

from app.extensions import limiter
from app.http.limits import CREATE_LIMIT
from app.models import User
from app.services.accounts import api_keys, plans, users
from app.services.errors import MayflyError, Unauthorized
from app.services.ingest import faults
from app.services.mailbox_life import adoption, domains, mailbox_changes, mailbox_reads, mailboxes
from app.services.outgoing import webhooks
from app.web import bp, shown_once, visitor
from app.web.forms import (
    DeleteAccountForm,
    FaultForm,
    KeyForm,
    MailboxForm,
    PasswordForm,
    WebhookForm,
)


def _user() -> User:
    user: User = current_user.user
    return user


def _mailbox_form() -> MailboxForm:
    form = MailboxForm()
    allowed = plans.plan_for(_user()).domain_types
    form.domain.choices = [d.name for d in domains.list_active() if d.kind in allowed]
    return form


ALL_MAILBOXES = "all my mailboxes"


def _webhook_form() -> WebhookForm:
    form = WebhookForm()
    owned = [m.address for m, _ in mailbox_reads.list_owned(_user().id)]
    form.mailbox.choices = [ALL_MAILBOXES, *owned]
    return form


def _fault_form() -> FaultForm:
    form = FaultForm()
    form.mailbox.choices = [m.address for m, _ in mailbox_reads.list_owned(_user().id)]
    return form


def _dashboard(status: int = 200, **extra: Any) -> tuple[str, int]:
    user = _user()
    owned = mailbox_reads.list_owned(user.id)
    context = {
        "fault_form": extra.pop("fault_form", None) or _fault_form(),
        "fault_rules": [(m.address, r) for m, _ in owned
                        for r in faults.rules(user.id, m.address)],
        "mailbox_form": extra.pop("mailbox_form", None) or _mailbox_form(),
        "key_form": extra.pop("key_form", None) or KeyForm(),
        "owned": owned,
        "keys": api_keys.list_keys(user),
        "status": plans.status(user),
        "webhook_form": extra.pop("webhook_form", None) or _webhook_form(),
        "hooks": webhooks.list_webhooks(user.id),
        "deliveries": webhooks.recent_deliveries(user.id),
        "shown_once": shown_once.take(),
        "keepable": adoption.keepable(visitor.current_mailbox_id(), visitor.current_address(),
                                      visitor.made_ids()),
        **extra,
    }
    return render_template("account/dashboard.html", **context), status


@bp.get("/account")
@login_required
def dashboard() -> tuple[str, int]:
    """Mailboxes with unread counts, API keys, and the quota as bars and a chart."""
    return _dashboard()


@bp.post("/account/mailboxes")
@login_required
@limiter.limit(CREATE_LIMIT)
def owned_mailbox_create() -> BaseResponse | tuple[str, int]:
    """A new owned mailbox, at a chosen or random address."""
    form = _mailbox_form()
    if not form.validate_on_submit():
        return _dashboard(422, mailbox_form=form)
    try:
        created = mailboxes.create_mailbox(form.local.data or None, form.domain.data,
                                           owner_id=_user().id)
    except MayflyError as exc:
        form.local.errors = [exc.message]
        return _dashboard(409 if exc.code == "taken" else 422, mailbox_form=form)
    flash(f"Mailbox {created.mailbox.address} created.")
    return redirect(url_for("web.dashboard", _anchor="mailboxes-heading"), 303)


@bp.post("/account/keep")
@login_required
def keep_address() -> BaseResponse:
    """The address this browser was using becomes an owned mailbox, with its mail."""
    try:
        kept = adoption.keep(_user(), visitor.current_mailbox_id(), visitor.current_address(),
                             visitor.made_ids())
    except MayflyError as exc:
        flash(exc.message)
    else:
        flash(f"{kept.address} is now one of your mailboxes, with its mail.")
    return redirect(url_for("web.dashboard", _anchor="mailboxes-heading"), 303)


@bp.post("/account/mailboxes/<address>/extend")
@login_required
def owned_mailbox_extend(address: str) -> BaseResponse:
    """One more lifetime for an owned mailbox."""
    mailbox_changes.extend_mailbox(address, visitor.principal())
    return redirect(url_for("web.dashboard"), 303)


@bp.post("/account/mailboxes/<address>/delete")
@login_required
def owned_mailbox_delete(address: str) -> BaseResponse:
    """Delete an owned mailbox and its mail."""
    mailbox_changes.delete_mailbox(address, visitor.principal())
    flash(f"Mailbox {address} and its mail were deleted.")
    return redirect(url_for("web.dashboard", _anchor="mailboxes-heading"), 303)


@bp.post("/account/keys")
@login_required
def key_create() -> BaseResponse | tuple[str, int]:
    """A new API key, shown once on the page this redirects to and never again."""
    form = KeyForm()
    if not form.validate_on_submit():
        return _dashboard(422, key_form=form)
    # The checkbox is shown to admins only; the service refuses it from anyone else.
    admin_scope = request.form.get("admin_scope", "") in ("1", "y", "on", "true")
    try:
        created = api_keys.create_key(_user(), form.name.data or "", admin_scope=admin_scope)
    except Unauthorized as exc:
        form.name.errors = [exc.message]
        return _dashboard(403, key_form=form)
    except MayflyError as exc:
        form.name.errors = [exc.message]
        return _dashboard(422, key_form=form)
    shown_once.stash("key", created.secret)
    flash(f"Key {created.key.name} created: copy it now, it will not be shown again.")
    return redirect(url_for("web.dashboard", _anchor="shown-once"), 303)


@bp.post("/account/keys/<int:key_id>/revoke")
@login_required
def key_revoke(key_id: int) -> BaseResponse:
    """Revoke a key: the next request made with it is refused, on every process."""
    api_keys.revoke(_user(), key_id)
    flash("The key was revoked.")
    return redirect(url_for("web.dashboard", _anchor="keys-heading"), 303)


@bp.get("/account/settings")
@login_required
def settings_page() -> str:
    """Change the password, or delete the account."""
    return render_template("account/settings.html", password_form=PasswordForm(),
                           delete_form=DeleteAccountForm())


@bp.post("/account/password")
@login_required
def password_change() -> BaseResponse | tuple[str, int]:
    """A new password; every other signed-in session ends."""
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            users.change_password(_user(), form.current.data or "", form.new.data or "")
        except MayflyError as exc:
            form.current.errors = [exc.message]
        else:
            visitor.sign_in(_user())
            flash("Your password was changed.")
            return redirect(url_for("web.dashboard"), 303)
    return render_template("account/settings.html", password_form=form,
                           delete_form=DeleteAccountForm()), 422


@bp.post("/account/delete")
@login_required
def account_delete() -> BaseResponse | tuple[str, int]:
    """The account and everything it owns are gone; needs the password."""
    form = DeleteAccountForm()
    user = _user()
    if form.validate_on_submit() and users.authenticate(user.email, form.password.data or ""):
        users.delete_user(user)
        logout_user()
        return redirect(url_for("web.home"), 303)
    form.password.errors = ["The password is wrong."]
    return render_template("account/settings.html", password_form=PasswordForm(),
                           delete_form=form), 403


@bp.post("/account/webhooks")
@login_required
def webhook_create() -> BaseResponse | tuple[str, int]:
    """A webhook for one owned mailbox, or all of them (an empty choice)."""
    form = _webhook_form()
    if not form.validate_on_submit():
        return _dashboard(422, webhook_form=form)
    try:
        chosen = form.mailbox.data if form.mailbox.data != ALL_MAILBOXES else None
        hook = webhooks.create_webhook(_user().id, form.url.data or "", chosen)
    except MayflyError as exc:
        form.url.errors = [exc.message]
        return _dashboard(422, webhook_form=form)
    shown_once.stash("webhook", hook.secret)
    flash(f"Webhook to {hook.url} added: copy its signing secret now, it will not be shown "
          "again.")
    return redirect(url_for("web.dashboard", _anchor="shown-once"), 303)


@bp.post("/account/webhooks/<int:webhook_id>/delete")
@login_required
def webhook_delete(webhook_id: int) -> BaseResponse:
    """Stop sending to a webhook; its pending deliveries go with it."""
    webhooks.delete_webhook(_user().id, webhook_id)
    return redirect(url_for("web.dashboard"), 303)


@bp.post("/account/faults")
@login_required
def fault_create() -> BaseResponse | tuple[str, int]:
    """A fault rule on one of the user's mailboxes."""
    form = _fault_form()
    if not form.validate_on_submit():
        return _dashboard(422, fault_form=form)
    try:
        faults.add(_user().id, form.mailbox.data or "", kind=form.kind.data or "",
                   count=form.count.data or 1, code=form.code.data, seconds=form.seconds.data)
    except MayflyError as exc:
        form.kind.errors = [exc.message]
        return _dashboard(422, fault_form=form)
    return redirect(url_for("web.dashboard"), 303)


@bp.post("/account/faults/<int:rule_id>/delete")
@login_required
def fault_delete(rule_id: int) -> BaseResponse:
    faults.remove(_user().id, request.form.get("mailbox", ""), rule_id)
    return redirect(url_for("web.dashboard"), 303)
