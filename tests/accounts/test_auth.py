"""Sign-up, log-in, log-out, password change, account deletion, through the browser door."""

from __future__ import annotations

import re

import sqlalchemy as sa

from app.extensions import db
from app.models import ApiKey, Mailbox, Message, User
from tests.web.helpers import csrf_token
from tests.web.login import PASSWORD, log_in


def sign_up(client, email="new@example.org", password=PASSWORD, confirm=None):
    token = csrf_token(client, "/signup")
    return client.post("/signup", data={"csrf_token": token, "email": email,
                                        "password": password,
                                        "confirm": password if confirm is None else confirm})


def test_sign_up_signs_in_and_hashes_the_password(client, app):
    response = sign_up(client)
    assert response.status_code == 303
    assert response.headers["Location"] == "/account"
    assert client.get("/account").status_code == 200
    with app.app_context():
        user = db.session.execute(sa.select(User)).scalar_one()
        assert user.password_hash.startswith("scrypt:")
        assert PASSWORD not in user.password_hash


def test_sign_up_refusals(client, make_user):
    make_user("taken@example.org")
    assert sign_up(client, "taken@example.org").status_code == 422
    assert "already exists" in sign_up(client, "taken@example.org").get_data(as_text=True)
    assert sign_up(client, "x@example.org", "short").status_code == 422
    assert sign_up(client, "x@example.org", confirm="different!!").status_code == 422
    assert sign_up(client, "not-an-email").status_code == 422


def test_log_in_and_out(client, make_user):
    make_user("me@example.org")
    assert client.get("/account").status_code == 302  # to the login page
    assert log_in(client, "ME@example.org").status_code == 303
    assert "Log out" in client.get("/account").get_data(as_text=True)
    token = csrf_token(client, "/account")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 303
    assert client.get("/account").status_code == 302


def test_wrong_password_and_unknown_email_look_the_same(client, make_user):
    make_user("me@example.org")
    wrong = log_in(client, "me@example.org", "wrong password!")
    unknown = log_in(client, "nobody@example.org", "wrong password!")
    assert wrong.status_code == unknown.status_code == 401
    assert "Wrong email or password." in wrong.get_data(as_text=True)
    assert "Wrong email or password." in unknown.get_data(as_text=True)


def test_session_is_regenerated_at_login(client, make_user):
    make_user("me@example.org")
    client.get("/")  # a visitor session with an address
    with client.session_transaction() as before:
        before["grants"] = [[1, "proof"]]  # a protected mailbox this visitor had opened
        before["planted"] = "by someone else"
        address = before["address"]
    log_in(client, "me@example.org")
    with client.session_transaction() as after:
        # Only the visitor's own address and Recent list carry over: no grant, nothing else.
        assert set(after) - {"_user_id", "_fresh", "_id", "csrf_token"} == {
            "address", "address_id", "recent"}
        assert after["address"] == address
        assert "_user_id" in after


def test_failed_logins_are_limited_per_account(client, make_user, app):
    make_user("target@example.org")
    for _ in range(5):
        assert log_in(client, "target@example.org", "guess guess!").status_code == 401
    limited = log_in(client, "target@example.org", PASSWORD)
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) > 0
    assert "Slow down" in limited.get_data(as_text=True)
    # Another account from the same client is not locked by those failures.
    make_user("other@example.org")
    assert log_in(app.test_client(), "other@example.org").status_code == 303


def test_successful_logins_do_not_count_as_failures(client, make_user):
    make_user("me@example.org")
    for _ in range(7):
        assert log_in(client, "me@example.org").status_code == 303


def test_change_password_ends_other_sessions(app, make_user):
    make_user("me@example.org")
    first, second = app.test_client(), app.test_client()
    log_in(first, "me@example.org")
    log_in(second, "me@example.org")
    token = csrf_token(first, "/account/settings")
    response = first.post("/account/password", data={
        "csrf_token": token, "current": PASSWORD, "new": "a brand new secret",
        "confirm": "a brand new secret"})
    assert response.status_code == 303
    assert first.get("/account").status_code == 200
    assert second.get("/account").status_code == 302
    assert log_in(app.test_client(), "me@example.org").status_code == 401
    assert log_in(app.test_client(), "me@example.org", "a brand new secret").status_code == 303


def test_change_password_needs_the_current_one(client, make_user):
    make_user("me@example.org")
    log_in(client, "me@example.org")
    token = csrf_token(client, "/account/settings")
    response = client.post("/account/password", data={
        "csrf_token": token, "current": "not it at all", "new": "another secret!",
        "confirm": "another secret!"})
    assert response.status_code == 422
    assert "current password is wrong" in response.get_data(as_text=True)


def test_delete_account_removes_everything_it_owns(client, make_user, app, send_mail):
    make_user("leaving@example.org")
    log_in(client, "leaving@example.org")
    token = csrf_token(client, "/account")
    client.post("/account/mailboxes", data={"csrf_token": token, "local": "mine",
                                            "domain": "mayfly.test"})
    client.post("/account/keys", data={"csrf_token": token, "name": "ci"})
    send_mail("mine@mayfly.test")
    wrong = client.post("/account/delete", data={"csrf_token": token, "password": "nope nope"})
    assert wrong.status_code == 403
    gone = client.post("/account/delete", data={"csrf_token": token, "password": PASSWORD})
    assert gone.status_code == 303
    with app.app_context():
        for model in (User, Mailbox, Message, ApiKey):
            assert db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar() == 0


def test_forms_need_csrf(client, make_user):
    make_user("me@example.org")
    response = client.post("/login", data={"email": "me@example.org", "password": PASSWORD})
    assert response.status_code == 400
    assert re.search("CSRF", response.get_data(as_text=True))


def test_account_forms_tell_password_managers_which_password_is_which(client, make_user):
    signup = client.get("/signup").get_data(as_text=True)
    assert 'autocomplete="email"' in signup and signup.count('autocomplete="new-password"') == 2
    login = client.get("/login").get_data(as_text=True)
    assert 'autocomplete="current-password"' in login
    make_user("pm@example.org")
    log_in(client, "pm@example.org")
    settings = client.get("/account/settings").get_data(as_text=True)
    assert settings.count('autocomplete="current-password"') == 2  # change, and delete
    assert settings.count('autocomplete="new-password"') == 2


def test_a_rejected_field_takes_the_focus(client):
    page = client.post("/signup", data={"csrf_token": csrf_token(client, "/signup"),
                                        "email": "x@example.org", "password": "short",
                                        "confirm": "short"}).get_data(as_text=True)
    field = page.split('id="password"')[0].rsplit("<input", 1)[1] + page.split(
        'id="password"')[1].split(">", 1)[0]
    assert "autofocus" in field and 'aria-describedby="password-error"' in field
