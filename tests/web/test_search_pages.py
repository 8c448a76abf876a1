"""The search boxes of the inbox and the dashboard, as a browser without script sees them
(plain GET forms) and as htmx asks for them (the results fragment)."""

from __future__ import annotations

from tests.web.helpers import csrf_token
from tests.web.login import log_in


def test_inbox_search_finds_within_the_mailbox(client, send_mail):
    send_mail("shopper@mayfly.test", subject="Your receipt", text="Order 5521 shipped")
    send_mail("shopper@mayfly.test", subject="Weekly news", text="Nothing to see")
    send_mail("other@mayfly.test", subject="Another receipt")
    inbox = client.get("/inbox/shopper@mayfly.test").get_data(as_text=True)
    assert 'role="search"' in inbox and 'name="mailbox" value="shopper@mayfly.test"' in inbox
    page = client.get("/search", query_string={"q": "receipt", "mailbox": "shopper@mayfly.test"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Your receipt" in text
    assert "Weekly news" not in text and "Another receipt" not in text
    fragment = client.get("/search", headers={"HX-Request": "true"},
                          query_string={"q": "shipped", "mailbox": "shopper@mayfly.test"})
    body = fragment.get_data(as_text=True)
    assert body.startswith('<div id="search-results"') and "Your receipt" in body
    assert "<html" not in body


def test_dashboard_search_covers_every_owned_mailbox_only(client, make_user, send_mail):
    make_user("owner@example.org")
    log_in(client, "owner@example.org")
    for local in ("alpha", "beta"):
        client.post("/account/mailboxes", data={"csrf_token": csrf_token(client, "/account"),
                                                "local": local, "domain": "mayfly.test"})
    send_mail("alpha@mayfly.test", subject="Reset your password", text="code 7781")
    send_mail("beta@mayfly.test", subject="Reset your PIN")
    send_mail("public@mayfly.test", subject="Reset for someone else")
    dashboard = client.get("/account").get_data(as_text=True)
    assert 'id="search-heading"' in dashboard
    text = client.get("/search", query_string={"q": "subject:reset"}).get_data(as_text=True)
    assert "Reset your password" in text and "Reset your PIN" in text
    assert "alpha@mayfly.test" in text and "beta@mayfly.test" in text  # each row's mailbox
    assert "someone else" not in text


def test_problems_are_said_plainly(client, send_mail):
    send_mail("quiet@mayfly.test", subject="Hello")
    unclosed = client.get("/search", query_string={"q": '"open', "mailbox": "quiet@mayfly.test"})
    assert unclosed.status_code == 422 and "quote is not closed" in unclosed.get_data(as_text=True)
    anywhere = client.get("/search", query_string={"q": "hello"})
    assert anywhere.status_code == 401 and "Sign in" in anywhere.get_data(as_text=True)
    none = client.get("/search", query_string={"q": "absent", "mailbox": "quiet@mayfly.test"})
    assert "Nothing matches" in none.get_data(as_text=True)
