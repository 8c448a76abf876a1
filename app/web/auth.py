"""Sign up, log in, log out (Flask-Login). Failed logins are limited per IP and per account.

Links Mayfly mails start with PUBLIC_URL (app/http/links.py), never with the request's host,
and carry their token after `#`, so it is in no request line and no access log.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, logout_user
from werkzeug.wrappers import Response as BaseResponse

from app.extensions import limiter, login_manager
from app.http.limits import (
    LOGIN_IP_LIMIT,
    RESET_LIMIT,
    SIGNUP_LIMIT,
    charge_password_attempt,
    forget_password_attempts,
)
from app.http.links import absolute_url
from app.services.accounts import password_reset, signups, users
from app.services.errors import MayflyError
from app.services.outgoing import relay
from app.web import bp, visitor
from app.web.forms import ForgotForm, LoginForm, ResetForm, SignupForm

if TYPE_CHECKING:
    from app.models import User

login_manager.login_view = "web.login"
login_manager.login_message = "Log in to see that page."


@login_manager.user_loader
def load_user(session_id: str) -> visitor.SessionUser | None:
    # "<user id>:<session secret>": logout, a password change or deletion replaces or removes
    # the secret, so every cookie issued before stops working on every process.
    user_id, _, secret = session_id.partition(":")
    user = users.user_for_session(user_id, secret)
    return None if user is None else visitor.SessionUser(user)


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(SIGNUP_LIMIT, methods=["POST"])
def signup() -> str | BaseResponse | tuple[str, int]:
    """Create an account. With a relay, by a mailed link, and the answer is the same whether
    or not the email has an account (app/services/accounts/signups.py); without one, at once."""
    if relay.configured():
        return _signup_by_mail()
    form = SignupForm()
    if form.validate_on_submit():
        try:
            user = users.create_user(form.email.data or "", form.password.data or "")
        except MayflyError as exc:
            form.email.errors = [exc.message]
            return render_template("auth/signup.html", form=form), 422
        visitor.sign_in(user)
        return redirect(url_for("web.dashboard"), 303)
    return render_template("auth/signup.html", form=form), 422 if form.errors else 200


def _signup_by_mail() -> str | tuple[str, int]:
    form = ForgotForm()  # the email alone: the password is chosen from the mailed link
    if form.validate_on_submit():
        try:
            email = signups.request_signup(
                form.email.data or "", signup_page=absolute_url("web.signup_confirm"),
                reset_page=absolute_url("web.password_reset_page"),
                login_page=absolute_url("web.login"))
        except MayflyError as exc:
            form.email.errors = [exc.message]
            return render_template("auth/signup.html", form=form, by_mail=True), 422
        return render_template("auth/signup.html", form=form, by_mail=True, sent=email)
    return render_template("auth/signup.html", form=form, by_mail=True), \
        422 if form.errors else 200


@bp.route("/signup/confirm", methods=["GET", "POST"])
def signup_confirm() -> str | BaseResponse | tuple[str, int]:
    """Choose the password from a mailed sign-up link: the account is made, and signed in."""
    return _linked_password_form("auth/signup_confirm.html", _signup_check, signups.complete,
                                 "Your account is ready. You are signed in.")


def _signup_check(token: str) -> dict[str, Any]:
    return {"email": signups.email_for(token)}  # MayflyError when spent, expired or forged


def _linked_password_form(template: str, check: Callable[[str], dict[str, Any]],
                          complete: Callable[[str, str], User], done: str
                          ) -> str | BaseResponse | tuple[str, int]:
    """The page a mailed link opens to choose a password (sign-up, reset): the GET is the
    page (its token stays in the browser, after #); the POST carries the token in its form,
    `check`s it (410 when it is spent or expired) and `complete`s it, then signs in."""
    form = ResetForm()
    token = request.form.get("token", "") if request.method == "POST" else ""
    context: dict[str, Any] = {}
    if request.method == "POST":
        try:
            context = check(token)
        except MayflyError as exc:
            return render_template(template, form=None, problem=exc.message), 410
    if form.validate_on_submit():
        try:
            user = complete(token, form.new.data or "")
        except MayflyError as exc:
            form.new.errors = [exc.message]
        else:
            visitor.sign_in(user)
            flash(done)
            return redirect(url_for("web.dashboard"), 303)
    return render_template(template, form=form, token=token, problem=None, **context), \
        422 if form.errors else 200


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(LOGIN_IP_LIMIT, methods=["POST"])
def login() -> str | BaseResponse | tuple[str, int]:
    """Sign in; a wrong email or password is one message, never which of the two."""
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data or ""
        charge_password_attempt("web", email)
        user = users.authenticate(email, form.password.data or "")
        if user is None:
            form.password.errors = ["Wrong email or password."]
            return render_template("auth/login.html", form=form), 401
        forget_password_attempts("web", email)
        visitor.sign_in(user)
        return redirect(url_for("web.dashboard"), 303)
    return render_template("auth/login.html", form=form)


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(RESET_LIMIT, methods=["POST"])
def password_forgot() -> str | tuple[str, int]:
    """Ask for a reset link by mail; the answer never says whether the account exists."""
    form = ForgotForm()
    if not relay.configured():
        return render_template("auth/forgot.html", form=form, relay=False)
    if form.validate_on_submit():
        password_reset.request_reset(form.email.data or "",
                                     absolute_url("web.password_reset_page"))
        return render_template("auth/forgot.html", form=form, relay=True, sent=True)
    return render_template("auth/forgot.html", form=form, relay=True)


@bp.route("/password/reset", methods=["GET", "POST"])
def password_reset_page() -> str | BaseResponse | tuple[str, int]:
    """Set a new password from a reset link; then sign in."""
    return _linked_password_form("auth/reset.html", _reset_check, password_reset.reset,
                                 "Your password was set. You are signed in.")


def _reset_check(token: str) -> dict[str, Any]:
    password_reset.user_for(token)  # MayflyError when spent, expired or forged
    return {}


@bp.post("/logout")
@login_required
def logout() -> BaseResponse:
    """Sign out: this session, and every other one of the account, ends server-side."""
    users.end_sessions(current_user.user)
    logout_user()
    visitor.fresh_session()
    return redirect(url_for("web.home"), 303)
