"""Sign-up, log-in, log-out, password change, account deletion, through the browser door."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from itsdangerous import URLSafeTimedSerializer

from app.extensions import db
from app.models import ApiKey, Mailbox, Message, User
from app.services.accounts.signups import SALT, SUBJECT_NEW, SUBJECT_TAKEN
from tests.web.helpers import csrf_token
from tests.web.login import PASSWORD, log_in

PUBLIC = "https://mail.example.com"


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
    # Without a relay (SMTP_RELAY_URL) nothing can prove an address, so sign-up signs in at
    # once, and a taken email cannot be hidden: it is refused. With a relay, see below.
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


@pytest.fixture
def by_mail(make_app, smtp_server):
    """Mayfly with a relay (its own SMTP server: the mail lands in an inbox the test reads)."""
    return make_app(smtp_relay_url=f"smtp://127.0.0.1:{smtp_server.port}", public_url=PUBLIC)


def ask_to_sign_up(client, email: str):
    return client.post("/signup", data={"csrf_token": csrf_token(client, "/signup"),
                                        "email": email})


def mail_to(client, address: str) -> tuple[str, str]:
    """(subject, text) of the one mail at this Mayfly address; waits for it."""
    (summary,) = client.get(f"/api/v1/mailboxes/{address}/messages?wait=30").json["messages"]
    message = client.get(f"/api/v1/messages/{summary['id']}").json
    return message["subject"], message["text"]


def links(text: str) -> list[str]:
    return re.findall(r"https?://\S+", text)


def finish(client, token: str, password: str = "my chosen passphrase"):
    return client.post("/signup/confirm", data={
        "csrf_token": csrf_token(client, "/signup/confirm"), "token": token,
        "new": password, "confirm": password})


def test_with_a_relay_a_taken_email_gets_exactly_the_answer_a_new_one_gets(by_mail, client,
                                                                          make_user):
    """Sign-up told who has an account ("already exists"). With a relay it answers the same
    page, status, headers and session for both, and neither signs in: the mail tells."""
    make_user("taken@mayfly.test")
    answers = {}
    for email in ("taken@mayfly.test", "fresh@mayfly.test"):
        web = by_mail.test_client()
        answer = ask_to_sign_up(web, email)
        text = re.sub(r'(name="csrf_token" type="hidden" value|X-CSRFToken": )"[^"]+"', "T",
                      answer.get_data(as_text=True)).replace(email, "EMAIL")
        with web.session_transaction() as session:
            kept = sorted(session)
        answers[email] = (answer.status_code, sorted(answer.headers.keys()), text, kept,
                          web.get("/account").status_code)
    assert answers["taken@mayfly.test"] == answers["fresh@mayfly.test"]
    status, _, text, kept, account = answers["fresh@mayfly.test"]
    assert status == 200 and "We sent a mail to <strong>EMAIL</strong>" in text
    assert "_user_id" not in kept and account == 302  # nobody is signed in
    # Only the mailbox's owner learns which it was.
    assert mail_to(client, "taken@mayfly.test")[0] == SUBJECT_TAKEN
    assert mail_to(client, "fresh@mayfly.test")[0] == SUBJECT_NEW


def test_a_sign_up_link_makes_the_account_once_and_signs_in(by_mail, client):
    web = by_mail.test_client()
    ask_to_sign_up(web, "Fresh@mayfly.test")
    subject, text = mail_to(client, "fresh@mayfly.test")
    (link,) = links(text)
    assert subject == SUBJECT_NEW and link.startswith(PUBLIC + "/signup/confirm#")
    assert log_in(client, "fresh@mayfly.test", "my chosen passphrase").status_code == 401
    token = urlsplit(link).fragment
    page = web.get("/signup/confirm").get_data(as_text=True)  # what the link opens
    assert token not in page and 'id="link-token" value=""' in page
    assert finish(web, token, "short").status_code == 422
    made = finish(web, token)
    assert made.status_code == 303 and made.headers["Location"] == "/account"
    assert "Your account is ready" in web.get("/account").get_data(as_text=True)
    assert log_in(client, "fresh@mayfly.test", "my chosen passphrase").status_code == 303
    again = finish(by_mail.test_client(), token, "another passphrase")
    assert again.status_code == 410 and "already used" in again.get_data(as_text=True)


def test_a_taken_emails_mail_says_so_and_offers_a_reset(by_mail, client, make_user):
    make_user("taken@mayfly.test")
    web = by_mail.test_client()
    ask_to_sign_up(web, "taken@mayfly.test")
    subject, text = mail_to(client, "taken@mayfly.test")
    login, reset = links(text)
    assert subject == SUBJECT_TAKEN and login == PUBLIC + "/login"
    assert reset.startswith(PUBLIC + "/password/reset#")
    assert web.post("/password/reset", data={
        "csrf_token": csrf_token(web, "/password/reset"), "token": urlsplit(reset).fragment,
        "new": "a new passphrase", "confirm": "a new passphrase"}).status_code == 303
    assert log_in(client, "taken@mayfly.test", "a new passphrase").status_code == 303


def test_a_forged_sign_up_link_is_refused(by_mail, client):
    web = by_mail.test_client()
    assert finish(web, "").status_code == 410
    assert finish(web, "not-a-token").status_code == 410
    forged = URLSafeTimedSerializer("another secret key, not this Mayfly's " * 2,
                                    salt=SALT).dumps({"e": "forged@mayfly.test"})
    assert finish(web, forged).status_code == 410
    assert log_in(client, "forged@mayfly.test", "my chosen passphrase").status_code == 401


def test_a_malformed_email_is_refused_before_any_mail(by_mail):
    answer = ask_to_sign_up(by_mail.test_client(), "not-an-email")
    assert answer.status_code == 422
    assert "not an email address" in answer.get_data(as_text=True)
