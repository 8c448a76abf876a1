"""A forgotten password: a link mailed through SMTP_RELAY_URL (here Mayfly's own SMTP server,
so the mail lands in a Mayfly inbox the test reads), used once; without a relay, the CLI.

The link starts with PUBLIC_URL whatever host the request names (Host, X-Forwarded-Host), and
carries its token after `#`, so the token is in no request line and no access log."""

from __future__ import annotations

import email
import email.policy
import re
import threading
import time
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller

from app.services.accounts.signups import SUBJECT_NEW
from tests.conftest import free_port
from tests.http import Browser
from tests.launch import launched
from tests.web.helpers import csrf_token
from tests.web.login import PASSWORD, log_in

NEW = "a brand new passphrase"
PUBLIC = "https://mail.example.com"
LINK = re.compile(r"https?://\S+")


@pytest.fixture
def relayed(make_app, smtp_server):
    """The web app, sending its own mail through Mayfly's SMTP server as its relay."""
    return make_app(smtp_relay_url=f"smtp://127.0.0.1:{smtp_server.port}",
                    public_url=PUBLIC).test_client()


def ask(client, address: str, headers: dict[str, str] | None = None):
    page = client.get("/password/forgot", headers=headers or {}).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    return client.post("/password/forgot", headers=headers or {},
                       data={"csrf_token": token, "email": address})


def mailed_text(client, address: str) -> str:
    # The mail leaves from a background thread: wait for it to arrive.
    (summary,) = client.get(f"/api/v1/mailboxes/{address}/messages?wait=30").json["messages"]
    message = client.get(f"/api/v1/messages/{summary['id']}").json
    assert message["subject"] == "Reset your Mayfly password"
    assert message["from"]["address"] == "no-reply@mayfly.test"
    return message["text"]


def mailed_link(client, address: str) -> str:
    return LINK.search(mailed_text(client, address)).group(0)


def token_of(link: str) -> str:
    parts = urlsplit(link)
    assert (parts.path, parts.query) == ("/password/reset", "")
    return parts.fragment


def set_password(client, token: str, password: str = NEW):
    return client.post("/password/reset", data={
        "csrf_token": csrf_token(client, "/password/reset"), "token": token,
        "new": password, "confirm": password})


def test_a_mailed_link_sets_a_new_password_once(relayed, client, make_user):
    make_user("me@mayfly.test")
    answer = ask(relayed, "me@mayfly.test")
    assert "a link to set a new password is on its way" in answer.get_data(as_text=True)
    token = token_of(mailed_link(client, "me@mayfly.test"))
    assert set_password(relayed, token).status_code == 303  # signed in, to the dashboard
    assert log_in(client, "me@mayfly.test", PASSWORD).status_code == 401
    assert log_in(client, "me@mayfly.test", NEW).status_code == 303
    again = set_password(relayed, token, "yet another passphrase")
    assert again.status_code == 410
    assert "expired or was already used" in again.get_data(as_text=True)
    assert log_in(client, "me@mayfly.test", NEW).status_code == 303


def test_unknown_emails_get_the_same_answer_and_no_mail(relayed, client):
    answer = ask(relayed, "nobody@mayfly.test")
    assert "a link to set a new password is on its way" in answer.get_data(as_text=True)
    assert client.get("/api/v1/mailboxes/nobody@mayfly.test/messages").status_code == 404


def test_a_forged_or_tampered_link_is_refused(relayed, client, make_user):
    make_user("me@mayfly.test")
    ask(relayed, "me@mayfly.test")
    token = token_of(mailed_link(client, "me@mayfly.test"))
    assert set_password(relayed, token[:-3] + "abc").status_code == 410
    assert set_password(relayed, "not-a-token").status_code == 410
    assert set_password(relayed, "").status_code == 410


@pytest.mark.parametrize(("proxy_count", "headers"), [
    (0, {"Host": "attacker.example"}),
    (0, {"Host": "attacker.example", "X-Forwarded-Host": "attacker.example"}),
    # Behind a proxy Mayfly trusts (PROXY_COUNT): its X-Forwarded-Host is not trusted either.
    (1, {"X-Forwarded-Host": "attacker.example", "X-Forwarded-For": "198.51.100.7"}),
    (1, {"Host": "attacker.example", "X-Forwarded-Host": "attacker.example:8443",
         "X-Forwarded-Port": "8443", "X-Forwarded-Prefix": "/attacker.example",
         "Forwarded": "host=attacker.example"}),
])
def test_the_link_starts_with_public_url_whatever_host_the_request_names(
        make_app, smtp_server, client, make_user, proxy_count, headers):
    """The account takeover: a reset asked with a hostile Host mailed the victim a genuine
    link to http://attacker.example/password/reset/<token>."""
    make_user("victim@mayfly.test")
    hostile = make_app(smtp_relay_url=f"smtp://127.0.0.1:{smtp_server.port}",
                       public_url=PUBLIC, proxy_count=proxy_count).test_client()
    assert ask(hostile, "victim@mayfly.test", headers).status_code == 200
    text = mailed_text(client, "victim@mayfly.test")
    assert LINK.search(text).group(0).startswith(PUBLIC + "/password/reset#")
    assert "attacker" not in text


def test_the_token_is_in_no_url_a_browser_requests(relayed, client, make_user):
    """The link carries the token after #, which browsers never send: the page it opens is
    /password/reset, the same for every link, and the form posts the token."""
    make_user("me@mayfly.test")
    ask(relayed, "me@mayfly.test")
    token = token_of(mailed_link(client, "me@mayfly.test"))
    assert len(token) > 40
    page = relayed.get("/password/reset")
    assert page.status_code == 200 and token not in page.get_data(as_text=True)
    assert 'id="link-token" value=""' in page.get_data(as_text=True)
    assert relayed.get(f"/password/reset/{token}").status_code == 404  # the old, logged form
    refused = relayed.post("/password/reset", data={
        "csrf_token": csrf_token(relayed, "/password/reset"), "token": token,
        "new": NEW, "confirm": "not the same one"})
    assert refused.status_code == 422  # the form comes back, holding the token in its body
    assert f'id="link-token" value="{token}"' in refused.get_data(as_text=True)
    assert set_password(relayed, token).status_code == 303


def test_without_a_relay_the_page_and_the_cli_say_what_to_do(client, app, make_user):
    page = client.get("/password/forgot").get_data(as_text=True)
    assert "users set-password" in page and "<form" not in page.split("<main")[1]
    make_user("cli@example.org")
    result = app.test_cli_runner().invoke(args=["users", "set-password", "cli@example.org"],
                                          input=NEW + "\n")
    assert result.exit_code == 0 and "password set for cli@example.org" in result.output
    assert log_in(client, "cli@example.org", NEW).status_code == 303


class Outbox:
    """An SMTP relay that keeps what it is given (aiosmtpd), for a Mayfly in another process."""

    def __init__(self) -> None:
        self.mails: list[email.message.EmailMessage] = []
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:  # aiosmtpd's name
        with self.lock:
            self.mails.append(email.message_from_bytes(envelope.content,
                                                       policy=email.policy.default))
        return "250 kept"

    def text(self, to: str, subject: str) -> str:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with self.lock:
                for mail in self.mails:
                    if mail["To"] == to and mail["Subject"] == subject:
                        return mail.get_content()
            time.sleep(0.1)
        raise AssertionError(f"no mail {subject!r} to {to}")


@pytest.fixture
def outbox():
    box = Outbox()
    box.controller.start()
    yield box
    box.controller.stop()


def test_over_gunicorn_links_ignore_the_host_and_tokens_stay_out_of_the_access_log(
        tmp_path, outbox):
    """Mayfly as scripts/serve runs it, behind a proxy it trusts (PROXY_COUNT=1), asked by a
    client that names another host in Host and X-Forwarded-Host: the sign-up and reset links
    start with PUBLIC_URL, and neither token is in gunicorn's access log (request lines and
    Referer; a browser strips the fragment from a Referer too)."""
    with launched(tmp_path, SMTP_RELAY_URL=f"smtp://127.0.0.1:{outbox.port}",
                  PUBLIC_URL=PUBLIC, PROXY_COUNT="1") as launch:
        hostile = {"Host": "attacker.example", "X-Forwarded-Host": "attacker.example",
                   "X-Forwarded-For": "198.51.100.7"}
        browser = Browser(launch.base, hostile)
        assert browser.post_form("/signup", {"email": "me@example.org"},
                                 page="/signup").status_code == 200
        link = LINK.search(outbox.text("me@example.org", SUBJECT_NEW)).group(0)
        assert link.startswith(PUBLIC + "/signup/confirm#")
        signup_token = urlsplit(link).fragment
        made = browser.post_form("/signup/confirm", {"token": signup_token, "new": NEW,
                                                     "confirm": NEW}, page="/signup/confirm")
        assert made.status_code == 303 and made.headers["Location"] == "/account"

        other = Browser(launch.base, hostile)
        assert other.post_form("/password/forgot", {"email": "me@example.org"},
                               page="/password/forgot").status_code == 200
        link = LINK.search(outbox.text("me@example.org", "Reset your Mayfly password")).group(0)
        assert link.startswith(PUBLIC + "/password/reset#")
        reset_token = token_of(link)
        assert other.get("/password/reset").status_code == 200  # what the link opens
        done = other.post_form("/password/reset", {"token": reset_token, "new": PASSWORD,
                                                   "confirm": PASSWORD}, page="/password/reset")
        assert done.status_code == 303
        assert Browser(launch.base).log_in("me@example.org", PASSWORD).status_code == 303
    log = launch.output()
    assert '"POST /password/reset HTTP/1.1" 303' in log  # the access log was written
    assert '"POST /signup/confirm HTTP/1.1" 303' in log
    assert signup_token not in log and reset_token not in log
    assert signup_token[-20:] not in log and reset_token[-20:] not in log  # nor any part
