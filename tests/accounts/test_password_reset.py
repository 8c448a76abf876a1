"""A forgotten password: a link mailed through SMTP_RELAY_URL (here Mayfly's own SMTP server,
so the mail lands in a Mayfly inbox the test reads), used once; without a relay, the CLI."""

from __future__ import annotations

import re

import pytest

from tests.web.helpers import csrf_token
from tests.web.login import PASSWORD, log_in

NEW = "a brand new passphrase"


@pytest.fixture
def relayed(make_app, smtp_server):
    """The web app, sending its own mail through Mayfly's SMTP server as its relay."""
    return make_app(smtp_relay_url=f"smtp://127.0.0.1:{smtp_server.port}").test_client()


def ask(client, email: str):
    return client.post("/password/forgot", data={
        "csrf_token": csrf_token(client, "/password/forgot"), "email": email})


def mailed_link(client, address: str) -> str:
    # The mail leaves from a background thread: wait for it to arrive.
    (summary,) = client.get(f"/api/v1/mailboxes/{address}/messages?wait=30").json["messages"]
    message = client.get(f"/api/v1/messages/{summary['id']}").json
    assert message["subject"] == "Reset your Mayfly password"
    assert message["from"]["address"] == "no-reply@mayfly.test"
    return re.search(r"https?://\S+/password/reset/\S+", message["text"]).group(0)


def set_password(client, link: str, password: str = NEW):
    path = link.split("://", 1)[1].split("/", 1)[1]
    return client.post(f"/{path}", data={"csrf_token": csrf_token(client, f"/{path}"),
                                         "new": password, "confirm": password})


def test_a_mailed_link_sets_a_new_password_once(relayed, client, make_user):
    make_user("me@mayfly.test")
    answer = ask(relayed, "me@mayfly.test")
    assert "a link to set a new password is on its way" in answer.get_data(as_text=True)
    link = mailed_link(client, "me@mayfly.test")
    assert set_password(relayed, link).status_code == 303  # signed in, to the dashboard
    assert log_in(client, "me@mayfly.test", PASSWORD).status_code == 401
    assert log_in(client, "me@mayfly.test", NEW).status_code == 303
    again = relayed.get("/" + link.split("://", 1)[1].split("/", 1)[1])
    assert again.status_code == 410
    assert "expired or was already used" in again.get_data(as_text=True)


def test_unknown_emails_get_the_same_answer_and_no_mail(relayed, client):
    answer = ask(relayed, "nobody@mayfly.test")
    assert "a link to set a new password is on its way" in answer.get_data(as_text=True)
    assert client.get("/api/v1/mailboxes/nobody@mayfly.test/messages").status_code == 404


def test_a_forged_or_tampered_link_is_refused(relayed, client, make_user):
    make_user("me@mayfly.test")
    ask(relayed, "me@mayfly.test")
    link = mailed_link(client, "me@mayfly.test")
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    assert relayed.get(path[:-3] + "abc").status_code == 410
    assert relayed.get("/password/reset/not-a-token").status_code == 410


def test_without_a_relay_the_page_and_the_cli_say_what_to_do(client, app, make_user):
    page = client.get("/password/forgot").get_data(as_text=True)
    assert "users set-password" in page and "<form" not in page.split("<main")[1]
    make_user("cli@example.org")
    result = app.test_cli_runner().invoke(args=["users", "set-password", "cli@example.org"],
                                          input=NEW + "\n")
    assert result.exit_code == 0 and "password set for cli@example.org" in result.output
    assert log_in(client, "cli@example.org", NEW).status_code == 303
