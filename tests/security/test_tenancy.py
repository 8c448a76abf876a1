"""What is theirs stays theirs: attacks on identity and grants, over real HTTP.

Each test replays an attack that worked before ids were never reused and sessions, grants
and tokens were bound to secrets that die with what they open (SECURITY.md, "Tenancy").
"""

from __future__ import annotations

import concurrent.futures
from datetime import UTC, datetime, timedelta

import jwt
import pytest
import requests
import sqlalchemy as sa

from app.extensions import db
from app.models import ApiKey, MailboxAccount, User
from tests.conftest import serve
from tests.factories import build_eml
from tests.http import PASSWORD, Browser

TEMPEMAIL = "/compat/tempemail/api"
DEVMAIL = "/compat/developermail/api/v1"


def test_a_kept_cookie_never_opens_the_next_account(live_server, app):
    leaving = Browser(live_server)
    assert leaving.sign_up("a@example.org").status_code == 303
    kept = leaving.cookies()
    deleted = leaving.post_form("/account/delete", {"password": PASSWORD},
                                page="/account/settings")
    assert deleted.status_code == 303
    assert Browser(live_server).sign_up("b@example.org").status_code == 303

    replay = leaving.with_cookies(kept)
    assert replay.get("/account").status_code == 302  # to the login page
    minted = replay.post_form("/account/keys", {"name": "stolen"})
    assert minted.status_code in (302, 400)
    with app.app_context():
        (user,) = db.session.execute(sa.select(User)).scalars()
        assert user.email == "b@example.org"
        assert db.session.execute(sa.select(sa.func.count()).select_from(ApiKey)).scalar() == 0


def test_logout_ends_the_session_everywhere(live_server):
    browser = Browser(live_server)
    assert browser.sign_up("me@example.org").status_code == 303
    kept = browser.cookies()
    other_device = Browser(live_server)
    assert other_device.log_in("me@example.org").status_code == 303
    assert browser.post_form("/logout", page="/account").status_code == 303
    assert browser.with_cookies(kept).get("/account").status_code == 302
    assert other_device.get("/account").status_code == 302
    assert Browser(live_server).log_in("me@example.org").status_code == 303  # still works


def _protected_mailbox(base: str) -> tuple[str, str]:
    created = requests.post(f"{base}/api/v1/mailboxes", json={"protected": True},
                            timeout=10).json()
    return created["address"], created["token"]


def _message_ids(base: str, address: str, token: str) -> list[int]:
    listing = requests.get(f"{base}/api/v1/mailboxes/{address}/messages",
                           headers={"Authorization": f"Bearer {token}"}, timeout=10).json()
    return [m["id"] for m in listing["messages"]]


def test_an_unlocked_mailbox_grant_dies_with_the_mailbox(live_server, send_mail):
    visitor = Browser(live_server)
    visitor.get("/")  # the visitor's own address first: the unlocked one is the newest row
    mine, my_token = _protected_mailbox(live_server)
    assert visitor.post_form(f"/inbox/{mine}/unlock", {"token": my_token}).status_code == 303
    send_mail(mine, subject="Mine to read")
    assert "Mine to read" in visitor.get(f"/inbox/{mine}").text
    gone = requests.delete(f"{live_server}/api/v1/mailboxes/{mine}",
                           headers={"Authorization": f"Bearer {my_token}"}, timeout=10)
    assert gone.status_code == 204

    # Three other owners' mailboxes come next; the kept grant opens none of them.
    for n in range(3):
        theirs, their_token = _protected_mailbox(live_server)
        send_mail(theirs, subject=f"Secret number {n}")
        (message_id,) = _message_ids(live_server, theirs, their_token)
        assert f"Secret number {n}" not in visitor.get(f"/inbox/{theirs}").text
        for path in (f"/m/{message_id}", f"/m/{message_id}/raw", f"/m/{message_id}/body"):
            assert visitor.get(path).status_code == 404, path
        assert visitor.post_form(f"/m/{message_id}/delete").status_code == 404
        assert _message_ids(live_server, theirs, their_token) == [message_id]


def test_a_forged_grant_for_another_id_opens_nothing(app, live_server, send_mail):
    theirs, their_token = _protected_mailbox(live_server)
    send_mail(theirs, subject="Not for the forger")
    (message_id,) = _message_ids(live_server, theirs, their_token)
    with app.app_context():
        from app.models import Mailbox

        mailbox_id = db.session.execute(
            sa.select(Mailbox.id).where(Mailbox.address == theirs)).scalar_one()
    # A session signed with the real key (as a reused id would have been) but holding a
    # grant whose proof is not this mailbox's: the proof, not the id, opens a mailbox.
    cookie = app.session_interface.get_signing_serializer(app).dumps(
        {"grants": [[mailbox_id, "0" * 32]]})
    forger = Browser(live_server)
    forger.http.cookies.set("session", cookie)
    assert "Not for the forger" not in forger.get(f"/inbox/{theirs}").text
    assert forger.get(f"/m/{message_id}").status_code == 404


def test_a_replaced_token_ends_browser_grants(live_server, send_mail):
    created = requests.put(f"{live_server}{DEVMAIL}/mailbox", timeout=10).json()["result"]
    address = f"{created['name']}@mayfly.test"
    visitor = Browser(live_server)
    unlocked = visitor.post_form(f"/inbox/{address}/unlock", {"token": created["token"]})
    assert unlocked.status_code == 303
    send_mail(address, subject="Before the reset")
    assert "Before the reset" in visitor.get(f"/inbox/{address}").text
    reset = requests.put(f"{live_server}{DEVMAIL}/mailbox/{created['name']}/token",
                         headers={"X-MailboxToken": created["token"]}, timeout=10)
    assert reset.status_code == 200
    assert "Before the reset" not in visitor.get(f"/inbox/{address}").text


def _register(base: str, email: str, password: str = "securePassword123") -> dict:
    answer = requests.post(f"{base}{TEMPEMAIL}/accounts",
                           json={"email": email, "password": password}, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]


def _me(base: str, token: str) -> int:
    return requests.get(f"{base}{TEMPEMAIL}/me", headers={"Authorization": f"Bearer {token}"},
                        timeout=10).status_code


def test_a_deleted_accounts_token_never_opens_a_new_account(live_server, app):
    first = _register(live_server, "me@mayfly.test")
    assert _me(live_server, first["token"]) == 200
    deleted = requests.delete(f"{live_server}{TEMPEMAIL}/accounts",
                              headers={"Authorization": f"Bearer {first['token']}"}, timeout=10)
    assert deleted.status_code == 200
    with app.test_request_context():  # the same address again, in the same second
        from app.services.mailbox_life import mailbox_accounts

        again = mailbox_accounts.register("me@mayfly.test", "anotherPassword1")
        again_id = again.id
    assert str(again_id) != first["id"]
    assert _me(live_server, first["token"]) == 401


def test_account_tokens_expire_and_need_their_key(live_server, app):
    data = _register(live_server, "me@mayfly.test")
    claims = jwt.decode(data["token"], app.config["SECRET_KEY"], algorithms=["HS256"])
    secret = app.config["SECRET_KEY"]
    past = datetime.now(UTC) - timedelta(seconds=5)
    expired = jwt.encode({**claims, "exp": past}, secret, algorithm="HS256")
    no_expiry = jwt.encode({k: v for k, v in claims.items() if k != "exp"}, secret,
                           algorithm="HS256")
    wrong_key = jwt.encode({**claims, "key": "x" * 32}, secret, algorithm="HS256")
    assert _me(live_server, data["token"]) == 200
    for token in (expired, no_expiry, wrong_key):
        assert _me(live_server, token) == 401
    with app.app_context():
        account = db.session.execute(sa.select(MailboxAccount)).scalar_one()
        assert account.token_key == claims["key"]


@pytest.fixture
def proxied(app, make_app):  # app: a fresh store with its domains
    """Mayfly behind one proxy, so X-Forwarded-For names each test client's source."""
    from app.services.mailbox_life import domains

    behind_proxy = make_app(proxy_count=1)
    with behind_proxy.app_context():
        domains.sync_configured()
    with serve(behind_proxy) as base:
        yield base


def _token(base: str, password: str, source: str) -> requests.Response:
    return requests.post(f"{base}{TEMPEMAIL}/token", timeout=10,
                         json={"email": "me@mayfly.test", "password": password},
                         headers={"X-Forwarded-For": source})


def test_tempemail_guessing_is_limited_without_locking_out_the_owner(proxied):
    _register(proxied, "me@mayfly.test")
    statuses = [_token(proxied, f"guess-{n}", "203.0.113.9").status_code for n in range(40)]
    assert statuses[:5] == [401] * 5
    assert set(statuses[5:]) == {429}
    refused = _token(proxied, "securePassword123", "203.0.113.9")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert _token(proxied, "securePassword123", "198.51.100.7").status_code == 200


def test_parallel_login_guesses_cannot_overrun_the_limit(proxied, make_user):
    make_user("target@example.org")

    def attempt(n: int) -> int:
        browser = Browser(proxied, {"X-Forwarded-For": "203.0.113.9"})
        return browser.log_in("target@example.org", f"wrong guess {n}").status_code

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(attempt, range(24)))
    assert statuses.count(401) == 5, statuses  # five password checks, no more
    assert statuses.count(429) == 19
    owner = Browser(proxied, {"X-Forwarded-For": "198.51.100.7"})
    assert owner.log_in("target@example.org").status_code == 303


def test_unknown_account_costs_a_password_check(live_server, monkeypatch):
    from app.services import passwords

    checked = []
    real = passwords.check_password_hash
    monkeypatch.setattr(passwords, "check_password_hash",
                        lambda stored, given: checked.append(stored) or real(stored, given))
    _register(live_server, "me@mayfly.test")
    for email in ("me@mayfly.test", "nobody@mayfly.test"):
        answer = requests.post(f"{live_server}{TEMPEMAIL}/token", timeout=10,
                               json={"email": email, "password": "wrong password"})
        assert answer.status_code == 401
    assert len(checked) == 2  # one scrypt check each: the unknown one against a dummy hash


def test_mail_to_a_deleted_mailbox_never_reaches_its_old_readers(live_server, send_mail, app):
    """Belt and braces for the grant test: the store never hands out an id twice."""
    mine, token = _protected_mailbox(live_server)
    send_mail(mine, raw=build_eml(to=mine, subject="first"))
    with app.app_context():
        from app.models import Mailbox

        old_id = db.session.execute(sa.select(Mailbox.id).where(Mailbox.address == mine)).scalar()
    requests.delete(f"{live_server}/api/v1/mailboxes/{mine}",
                    headers={"Authorization": f"Bearer {token}"}, timeout=10)
    again, _ = _protected_mailbox(live_server)
    with app.app_context():
        new_id = db.session.execute(sa.select(Mailbox.id).where(Mailbox.address == again)).scalar()
    assert new_id > old_id
