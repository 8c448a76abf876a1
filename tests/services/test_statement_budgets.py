"""One read per screen: the SQL statements each page and endpoint costs, counted per request
on SQLite and PostgreSQL against the budgets the code promises.

A budget is the screen's own read. What a credential costs comes on top and is named in the
table: one statement to resolve a mailbox token, a JWT, an API key or a signed-in session;
for an API key also the plan's request count (a read before the call and a write after it,
when the counts live in SQL rather than Redis).

The catchers (MailHog, Mailpit, mail.tm) show a whole inbox at once, so theirs are measured
twice, over 3 and over 30 messages: a read that costs more with more mail reads per message
(or per batch), and fails here however small the mailbox it was tried on.
"""

from __future__ import annotations

import base64
import re

import pytest
from sqlalchemy import event

from app.extensions import db
from app.services.mailbox_life import mailboxes
from tests.factories import build_eml

ADDRESS = "budget@mayfly.test"
KEY_COST = 1 + 2  # resolve the key; read and count the plan's requests (SQL counters)
JWT_COST = 1  # the mail.tm account its token names
CAUGHT = "caught@mayfly.test"
MAILTM = "tm@mayfly.test"


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


@pytest.fixture
def catchers(app, client, make_user, api_key_for):
    """A key over a user's owned mailbox (MailHog, Mailpit), and a mail.tm account: headers."""
    owner = make_user("catcher@example.org")
    with app.app_context():
        mailboxes.create_mailbox(CAUGHT.split("@")[0], owner_id=owner)
    key = api_key_for("catcher@example.org")
    account = {"address": MAILTM, "password": "catcher-pass"}
    assert client.post("/compat/mailtm/accounts", json=account).status_code == 201
    token = client.post("/compat/mailtm/token", json=account).json["token"]
    return {"key": {"Authorization": "Basic " + base64.b64encode(f"x:{key}".encode()).decode()},
            "jwt": {"Authorization": f"Bearer {token}"}}


# What each catcher read may cost, over any number of messages: the credential, then the read.
CATCHER_BUDGETS = {
    "mailhog list": KEY_COST + 2,  # the count; the page, streamed a batch at a time
    "mailhog v1 list": KEY_COST + 2,
    "mailhog search": KEY_COST + 2,
    "mailhog message": KEY_COST + 2,
    "mailpit list": KEY_COST + 3,  # the counts, the page, its attachments
    "mailpit search": KEY_COST + 4,  # and the matches' counts
    "mailpit message": KEY_COST + 4,  # the message, its attachments' bytes, marking it read
    "mailpit latest": KEY_COST + 4,
    "mailtm list": JWT_COST + 3,  # the mailbox, the page, its attachments
    "mailtm message": JWT_COST + 2,
}


def catcher_costs(client, statements, catchers) -> dict[str, int]:
    key, jwt = catchers["key"], catchers["jwt"]
    hog, pit = "/compat/mailhog/api", "/compat/mailpit/api/v1"
    newest = client.get(f"{hog}/v2/messages", headers=key).json["items"][0]["ID"]
    tm_newest = client.get("/compat/mailtm/messages", headers=jwt).json["hydra:member"][0]["id"]
    reads = {
        "mailhog list": lambda: client.get(f"{hog}/v2/messages", headers=key),
        "mailhog v1 list": lambda: client.get(f"{hog}/v1/messages", headers=key),
        "mailhog search": lambda: client.get(f"{hog}/v2/search", headers=key, query_string={
            "kind": "containing", "query": "caught"}),
        "mailhog message": lambda: client.get(f"{hog}/v1/messages/{newest}", headers=key),
        "mailpit list": lambda: client.get(f"{pit}/messages", headers=key),
        "mailpit search": lambda: client.get(f"{pit}/search", headers=key,
                                             query_string={"query": "caught"}),
        "mailpit message": lambda: client.get(f"{pit}/message/{newest}", headers=key),
        "mailpit latest": lambda: client.get(f"{pit}/message/latest", headers=key),
        "mailtm list": lambda: client.get("/compat/mailtm/messages", headers=jwt),
        "mailtm message": lambda: client.get(f"/compat/mailtm/messages/{tm_newest}",
                                             headers=jwt),
    }
    return {name: cost(statements, read) for name, read in reads.items()}


def test_catcher_reads_cost_the_same_over_3_and_30_messages(client, send_mail, statements,
                                                             catchers):
    def deliver(count: int) -> None:
        for n in range(count):
            for address in (CAUGHT, MAILTM):
                send_mail(address, subject=f"caught {n}", text="caught mail",
                          attachments=[("a.txt", "text/plain", b"attached")])

    deliver(3)
    few = catcher_costs(client, statements, catchers)
    deliver(27)
    many = catcher_costs(client, statements, catchers)
    assert many == few
    over = {name: (spent, CATCHER_BUDGETS[name]) for name, spent in many.items()
            if spent > CATCHER_BUDGETS[name]}
    assert not over, over


def test_sent_mail_fixture_is_what_it_says(mail, app):
    with app.app_context():
        assert len(mail) == 3
    assert build_eml(to=ADDRESS)
