"""Sign up, log in, log out (Flask-Login). Failed logins are limited per IP and per account."""

from __future__ import annotations

from flask import redirect, render_template, request, session, url_for
from flask_login import login_required, logout_user
from werkzeug.wrappers import Response as BaseResponse

from app.extensions import limiter, login_manager
from app.limits import LOGIN_ACCOUNT_FAILURES, LOGIN_IP_LIMIT, SIGNUP_LIMIT
from app.services import users
from app.services.errors import MayflyError
from app.web import bp, visitor
from app.web.forms import LoginForm, SignupForm

login_manager.login_view = "web.login"
login_manager.login_message = "Log in to see that page."


@login_manager.user_loader
def load_user(session_id: str) -> visitor.SessionUser | None:
    user_id, _, version = session_id.partition(":")
    user = users.get_user(int(user_id)) if user_id.isdigit() else None
    # A password change bumps the version: sessions issued before it end here.
    if user is None or str(user.session_version) != version:
        return None
    return visitor.SessionUser(user)


def _account_key() -> str:
    return "login:" + request.form.get("email", "").strip().lower()


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
@limiter.limit(LOGIN_ACCOUNT_FAILURES, methods=["POST"], key_func=_account_key,
               deduct_when=lambda response: response.status_code == 401)
def login() -> str | BaseResponse | tuple[str, int]:
    """Sign in; a wrong email or password is one message, never which of the two."""
    form = LoginForm()
    if form.validate_on_submit():
        user = users.authenticate(form.email.data or "", form.password.data or "")
        if user is None:
            form.password.errors = ["Wrong email or password."]
            return render_template("auth/login.html", form=form), 401
        visitor.sign_in(user)
        return redirect(url_for("web.dashboard"), 303)
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout() -> BaseResponse:
    """Sign out and forget the session."""
    logout_user()
    session.clear()
    return redirect(url_for("web.home"), 303)
