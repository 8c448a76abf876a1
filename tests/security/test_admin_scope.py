"""L7: an admin's key is not every tenant's key.

MailHog's `mhDeleteAll` and Mailpit's `deleteMessages()` delete everything in the key's
scope, and test suites call them between tests. A key reaches every tenant's mail only when
it was made with admin scope (an explicit flag, admins only) and its user is still an admin;
any other key, an admin's included, acts as its user alone. Driven over HTTP: keys made
through the dashboard form, mail sent over SMTP, the doors called as their clients call them.
"""

from __future__ import annotations

import base64
import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import ApiKey, Mailbox, Message
from app.services.mailbox_life import mailboxes
from tests.web.helpers import csrf_token
from tests.web.login import log_in

HOG = "/compat/mailhog/api"
PIT = "/compat/mailpit/api/v1"
NEW_KEY = re.compile(r'<output id="new-key" class="mono key">([^<]+)</output>')


@pytest.fixture
def tenants(app, make_user, send_mail):
    """An admin and a customer, each owning a mailbox with mail; and a public mailbox."""
    ids = {"root": make_user("root@example.org", admin=True),
           "alice": make_user("alice@example.org")}
    with app.app_context():
        mailboxes.create_mailbox("root-box", owner_id=ids["root"])
        mailboxes.create_mailbox("alice-box", owner_id=ids["alice"])
    send_mail("root-box@mayfly.test", subject="Root's own")
    send_mail("alice-box@mayfly.test", subject="Alice's invoice")
    send_mail("alice-box@mayfly.test", subject="Alice's reset link")
    send_mail("public-box@mayfly.test", subject="Someone's public mail")
    return ids


def signed_in(app, email: str):
    client = app.test_client()
    assert log_in(client, email).status_code == 303
    return client


def make_key(client, name: str = "ci", *, admin_scope: bool = False):
    data = {"csrf_token": csrf_token(client, "/account"), "name": name}
    if admin_scope:
        data["admin_scope"] = "1"
    return client.post("/account/keys", data=data, follow_redirects=True)


def key_of(response) -> str:
    assert response.status_code == 200, response.status_code
    match = NEW_KEY.search(response.get_data(as_text=True))
    assert match, "the new key is not shown"
    return match.group(1)


def basic(key: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"x:{key}".encode()).decode()}


def mail_left(app) -> dict[str, int]:
    with app.app_context():
        rows = db.session.execute(
            sa.select(Mailbox.address, sa.func.count(Message.id))
            .join(Message, Message.mailbox_id == Mailbox.id).group_by(Mailbox.address)).all()
    return {address.split("@")[0]: count for address, count in rows}



@pytest.mark.parametrize("door", ["mailhog", "mailpit"])
def test_an_admins_ordinary_key_deletes_only_the_admins_own_mail(app, tenants, door):
    key = key_of(make_key(signed_in(app, "root@example.org")))
    client = app.test_client()
    if door == "mailhog":
        listing = client.get(f"{HOG}/v2/messages", headers=basic(key)).json
        assert (listing["total"], listing["count"]) == (1, 1)
        assert client.delete(f"{HOG}/v1/messages", headers=basic(key)).status_code == 200
    else:
        assert client.get(f"{PIT}/messages", headers=basic(key)).json["total"] == 1
        assert client.delete(f"{PIT}/messages", headers=basic(key)).status_code == 200
    assert mail_left(app) == {"alice-box": 2, "public-box": 1}  # every other tenant's survives
    # The native API with the same key: the customer's mailbox is not the admin key's.
    bearer = {"Authorization": f"Bearer {key}"}
    assert client.get("/api/v1/mailboxes/alice-box@mayfly.test/messages",
                      headers=bearer).status_code == 404


@pytest.mark.parametrize("door", ["mailhog", "mailpit"])
def test_an_admin_scope_key_reaches_every_tenant(app, tenants, door):
    root = signed_in(app, "root@example.org")
    assert 'name="admin_scope"' in root.get("/account").get_data(as_text=True)
    key = key_of(make_key(root, "everything", admin_scope=True))
    assert "(admin scope)" in root.get("/account").get_data(as_text=True)
    client = app.test_client()
    if door == "mailhog":
        assert client.get(f"{HOG}/v2/messages", headers=basic(key)).json["total"] == 4
        assert client.delete(f"{HOG}/v1/messages", headers=basic(key)).status_code == 200
    else:
        assert client.get(f"{PIT}/messages", headers=basic(key)).json["total"] == 4
        assert client.delete(f"{PIT}/messages", headers=basic(key)).status_code == 200
    assert mail_left(app) == {}


def test_a_non_admin_cannot_make_an_admin_scope_key(app, tenants):
    alice = signed_in(app, "alice@example.org")
    assert 'name="admin_scope"' not in alice.get("/account").get_data(as_text=True)
    refused = make_key(alice, "sneaky", admin_scope=True)  # the checkbox, forged
    assert refused.status_code == 403
    assert "Only an admin can make a key with admin scope." in refused.get_data(as_text=True)
    assert NEW_KEY.search(refused.get_data(as_text=True)) is None
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count()).select_from(ApiKey)).scalar() == 0
    # An ordinary key for the same user still works, and reaches only their own mail.
    key = key_of(make_key(alice, "ordinary"))
    assert app.test_client().get(f"{PIT}/messages", headers=basic(key)).json["total"] == 2


def test_an_admin_scope_key_stops_reaching_everything_when_its_user_is_demoted(
        app, tenants, make_user):
    key = key_of(make_key(signed_in(app, "root@example.org"), "everything", admin_scope=True))
    client = app.test_client()
    assert client.get(f"{HOG}/v2/messages", headers=basic(key)).json["total"] == 4
    # Another admin takes root's admin role away on the admin page.
    make_user("ops@example.org", admin=True)
    ops = signed_in(app, "ops@example.org")
    demoted = ops.post(f"/admin/users/{tenants['root']}",
                       data={"csrf_token": csrf_token(ops, "/admin")})
    assert demoted.status_code == 303
    # The very same key is now root's own scope: one message, and delete-all spares the rest.
    listing = client.get(f"{HOG}/v2/messages", headers=basic(key)).json
    assert (listing["total"], listing["count"]) == (1, 1)
    assert client.get(f"{PIT}/messages", headers=basic(key)).json["total"] == 1
    assert client.delete(f"{PIT}/messages", headers=basic(key)).status_code == 200
    assert client.delete(f"{HOG}/v1/messages", headers=basic(key)).status_code == 200
    assert mail_left(app) == {"alice-box": 2, "public-box": 1}


def test_admin_browser_sessions_keep_the_admin_pages(app, tenants):
    root = signed_in(app, "root@example.org")
    assert root.get("/admin").status_code == 200
