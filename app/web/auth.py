"""Sign up, log in, log out (Flask-Login). Failed logins are limited per IP and per account."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_login import current_user, login_required, logout_user
from werkzeug.wrappers import Response as BaseResponse

from app.extensions import limiter, login_manager
from app.http.limits import (
    LOGIN_IP_LIMIT,
    SIGNUP_LIMIT,
    charge_password_attempt,
    forget_password_attempts,
)
from app.services import users
from app.services.errors import MayflyError
from app.web import bp, visitor
from app.web.forms import LoginForm, SignupForm

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
    """Create an account and sign in."""
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


@bp.post("/logout")
@login_required
def logout() -> BaseResponse:
    """Sign out: this session, and every other one of the account, ends server-side."""
    users.end_sessions(current_user.user)
    logout_user()
    visitor.fresh_session()
    return redirect(url_for("web.home"), 303)
