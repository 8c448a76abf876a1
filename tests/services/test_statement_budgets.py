"""One read per screen: the SQL statements each page and endpoint costs, counted per request
on SQLite and PostgreSQL against the budgets the code promises.

A budget is the screen's own read. What a credential costs comes on top and is named in the
table: one statement to resolve a mailbox token, a JWT, an API key or a signed-in session;
for an API key also the plan's request count (a read before the call and a write after it,
when the counts live in SQL rather than Redis).
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event

from app.extensions import db
from tests.factories import build_eml

ADDRESS = "budget@mayfly.test"
KEY_COST = 1 + 2  # resolve the key; read and count the plan's requests (SQL counters)


@pytest.fixture
def statements(app):
    """The SQL statements run while serving a request."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


@pytest.fixture
def mail(send_mail, client):
    """Three messages in a public mailbox, the newest with an attachment and HTML."""
    for n in range(2):
        send_mail(ADDRESS, subject=f"plain {n}")
    send_mail(ADDRESS, subject="with a file", html="<p>Your code is <b>481516</b></p>",
              attachments=[("a.pdf", "application/pdf", b"%PDF-1.4 x")])
    listing = client.get(f"/api/v1/mailboxes/{ADDRESS}/messages").json["messages"]
    return [m["id"] for m in listing]


def cost(statements: list[str], request) -> int:
    statements.clear()
    response = request()
    assert response.status_code < 400, (response.status_code, response.get_data(as_text=True))
    response.get_data()  # streamed bodies run their statements too
    return len(statements)


def test_browser_screens(client, mail, statements):
    newest = mail[0]
    assert cost(statements, lambda: client.get(f"/inbox/{ADDRESS}")) <= 3
    page = client.get(f"/inbox/{ADDRESS}").get_data(as_text=True)
    known = re.search(r"known=([^\"&]+)", page).group(1)
    assert cost(statements, lambda: client.get(f"/inbox/{ADDRESS}/list",
                                               query_string={"known": known})) == 1
    assert cost(statements, lambda: client.get(f"/inbox/{ADDRESS}/list",
                                               query_string={"known": "0-0-0"})) <= 2
    assert cost(statements, lambda: client.get(f"/m/{newest}")) <= 4  # first open: marks read
    assert cost(statements, lambda: client.get(f"/m/{newest}")) <= 3
    assert cost(statements, lambda: client.get(f"/m/{newest}/body")) <= 2
    client.get("/")  # the visitor's own address exists from now on
    assert cost(statements, lambda: client.get("/")) <= 3


def test_native_api(client, mail, statements):
    newest, middle, _ = mail
    api = "/api/v1"
    assert cost(statements, lambda: client.get(f"{api}/mailboxes/{ADDRESS}/messages")) <= 2
    assert cost(statements, lambda: client.get(f"{api}/mailboxes/{ADDRESS}/messages",
                                               query_string={"cursor": newest})) <= 2
    assert cost(statements, lambda: client.get(f"{api}/mailboxes/{ADDRESS}/messages",
                                               query_string={"since": middle})) <= 2
    assert cost(statements, lambda: client.get(f"{api}/messages/{newest}")) <= 3
    assert cost(statements, lambda: client.get(f"{api}/mailboxes/{ADDRESS}")) <= 2


def test_public_dialects(client, mail, statements):
    newest = mail[0]
    onesec = "/compat/1secmail/api/v1/"
    login = {"login": "budget", "domain": "mayfly.test"}
    assert cost(statements, lambda: client.get(onesec, query_string={
        "action": "getMessages", **login})) <= 3
    assert cost(statements, lambda: client.get(onesec, query_string={
        "action": "readMessage", "id": newest, **login})) <= 3
    php = "/compat/tempmail-php/api.php"
    assert cost(statements, lambda: client.get(f"{php}/inbox/{ADDRESS}")) <= 3
    assert cost(statements, lambda: client.get(f"{php}/email/{newest}")) <= 3


def test_signed_in_dialects(client, send_mail, statements, make_user, api_key_for):
    # tempemail: the JWT's account is one statement; the read is the rest.
    token = client.post("/compat/tempemail/api/accounts", json={
        "email": "jwt@mayfly.test", "password": "securePassword123"}).json["data"]["token"]
    send_mail("jwt@mayfly.test", subject="for the account")
    auth = {"Authorization": f"Bearer {token}"}
    items = client.get("/compat/tempemail/api/messages", headers=auth).json["data"]["items"]
    base = "/compat/tempemail/api/messages"
    assert cost(statements, lambda: client.get(base, headers=auth)) <= 1 + 3
    assert cost(statements, lambda: client.get(f"{base}/{items[0]['id']}", headers=auth)) <= 1 + 3

    # developermail: the mailbox and its token are checked in the read itself.
    box = client.put("/compat/developermail/api/v1/mailbox").json["result"]
    send_mail(f"{box['name']}@mayfly.test", subject="for the token")
    dev = f"/compat/developermail/api/v1/mailbox/{box['name']}"
    header = {"X-MailboxToken": box["token"]}
    (tick,) = client.get(dev, headers=header).json["result"]
    assert cost(statements, lambda: client.get(dev, headers=header)) <= 3
    assert cost(statements, lambda: client.get(f"{dev}/messages/{tick}", headers=header)) <= 3

    # tempmailg: an API key's user, who owns the mailbox.
    make_user("owner@example.org")
    key = {"Authorization": f"Bearer {api_key_for('owner@example.org')}"}
    created = client.post("/compat/tempmailg/api/emails", headers=key).json["data"]["email"]
    send_mail(created, subject="owned")
    listing = client.get("/compat/tempmailg/api/messages", query_string={"email": created},
                         headers=key).json["messages"]
    g = "/compat/tempmailg/api/messages"
    assert cost(statements, lambda: client.get(g, query_string={"email": created},
                                               headers=key)) <= KEY_COST + 3
    assert cost(statements, lambda: client.get(f"{g}/{listing[0]['id']}",
                                               headers=key)) <= KEY_COST + 3


def test_sent_mail_fixture_is_what_it_says(mail, app):
    with app.app_context():
        assert len(mail) == 3
    assert build_eml(to=ADDRESS)
