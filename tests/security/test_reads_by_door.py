"""Every door gives the one answer of tests/services/test_reads.py's table (READS, and
OWNED_READS for the owned-only doors), over HTTP: the native API, the browser, Mailpit (one
inbox of what the key owns) and tempmailg (owned mailboxes only).

Callers: a key made with admin scope, a plain key of an admin user, the owner's key, another
user's key, and a visitor with no credential (the browser signs in instead: an admin's
session has admin reach, and it has no plain-key caller). Mailboxes: one the owner owns, one
the owner owned that has expired, and a public one.
"""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Mailbox, User
from app.models.base import utcnow
from app.services.accounts import api_keys, users
from app.services.ingest import delivery
from app.services.mailbox_life import mailboxes
from tests.factories import build_eml
from tests.services.test_reads import OWNED_READS, READS
from tests.web.login import log_in

# The door's caller → the table's caller.
AS_IN_TABLE = {"admin-scope key": "admin", "admin's plain key": "admin's plain key",
               "owner": "owner", "another user": "another user", "visitor": "anonymous"}
KEY_CALLERS = tuple(AS_IN_TABLE)
ADDRESSES = {"owned": "kept@mayfly.test", "expired": "lapsed@mayfly.test",
             "public": "open@mayfly.test"}
SUBJECTS = {kind: f"Letter to the {kind} mailbox" for kind in ADDRESSES}


@pytest.fixture
def tenants(app, make_user):
    """Users root (admin), owner and other; mail in each mailbox; a key for each caller."""
    root = make_user("root@example.org", admin=True)
    owner = make_user("owner@example.org")
    make_user("other@example.org")
    with app.app_context():
        mailboxes.create_mailbox("kept", owner_id=owner)
        mailboxes.create_mailbox("lapsed", owner_id=owner)
        for kind, address in ADDRESSES.items():
            delivery.deliver("a@example.org", [address],
                             build_eml(to=address, subject=SUBJECTS[kind]))
        db.session.execute(sa.update(Mailbox).where(Mailbox.address == ADDRESSES["expired"])
                           .values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
        keys = {
            "admin-scope key": api_keys.create_key(db.session.get(User, root), "all",
                                                   admin_scope=True).secret,
            "admin's plain key": api_keys.create_key(db.session.get(User, root),
                                                     "own").secret,
            "owner": api_keys.create_key(users.find_by_email("owner@example.org"), "k").secret,
            "another user": api_keys.create_key(users.find_by_email("other@example.org"),
                                                "k").secret,
        }
    return keys


def _bearer(key: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"} if key else {}


def _basic(key: str | None) -> dict[str, str]:
    if not key:
        return {}
    return {"Authorization": "Basic " + base64.b64encode(f"x:{key}".encode()).decode()}


@pytest.mark.parametrize("kind", tuple(ADDRESSES))
@pytest.mark.parametrize("caller", KEY_CALLERS)
def test_the_native_api_reads_as_the_table_says(app, tenants, kind, caller):
    address = ADDRESSES[kind]
    response = app.test_client().get(f"/api/v1/mailboxes/{address}/messages",
                                     headers=_bearer(tenants.get(caller)))
    if AS_IN_TABLE[caller] in READS[kind]:
        assert response.status_code == 200
        assert [m["subject"] for m in response.json["messages"]] == [SUBJECTS[kind]]
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("kind", tuple(ADDRESSES))
@pytest.mark.parametrize("caller", KEY_CALLERS)
def test_mailpit_shows_what_the_table_says_a_key_owns(app, tenants, kind, caller):
    response = app.test_client().get("/compat/mailpit/api/v1/messages",
                                     headers=_basic(tenants.get(caller)))
    if caller == "visitor":
        assert response.status_code == 401  # an owned-only door needs a key
        return
    assert response.status_code == 200
    subjects = {m["Subject"] for m in response.json["messages"]}
    assert (SUBJECTS[kind] in subjects) is (AS_IN_TABLE[caller] in OWNED_READS[kind])


@pytest.mark.parametrize("kind", tuple(ADDRESSES))
@pytest.mark.parametrize("caller", KEY_CALLERS)
def test_tempmailg_reads_what_the_table_says_a_key_owns(app, tenants, kind, caller):
    address = ADDRESSES[kind]
    response = app.test_client().get("/compat/tempmailg/api/messages",
                                     query_string={"email": address},
                                     headers=_bearer(tenants.get(caller)))
    if caller == "visitor":
        assert response.status_code == 401
    elif AS_IN_TABLE[caller] in OWNED_READS[kind]:
        assert response.status_code == 200
        assert [m["subject"] for m in response.json["messages"]] == [SUBJECTS[kind]]
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("kind", tuple(ADDRESSES))
@pytest.mark.parametrize("caller", KEY_CALLERS)
def test_tempmailg_deletes_only_what_the_table_says_a_key_owns(app, tenants, kind, caller):
    """A change through an owned-only door follows the same rule as its reads."""
    client = app.test_client()
    response = client.delete(f"/compat/tempmailg/api/emails/{ADDRESSES[kind]}",
                             headers=_bearer(tenants.get(caller)))
    owned = AS_IN_TABLE[caller] in OWNED_READS[kind]
    assert response.status_code == (401 if caller == "visitor" else 200 if owned else 404)
    with app.app_context():
        left = db.session.execute(sa.select(Mailbox.id).where(
            Mailbox.address == ADDRESSES[kind])).scalar_one_or_none()
    assert (left is None) is (owned and kind == "owned")  # a public one is held, not removed


BROWSER = {"admin": "root@example.org", "owner": "owner@example.org",
           "another user": "other@example.org", "anonymous": None}


@pytest.mark.parametrize("kind", tuple(ADDRESSES))
@pytest.mark.parametrize("caller", tuple(BROWSER))
def test_the_browser_shows_what_the_table_says(app, tenants, kind, caller):
    client = app.test_client()
    if BROWSER[caller]:
        assert log_in(client, BROWSER[caller]).status_code == 303
    page = client.get(f"/inbox/{ADDRESSES[kind]}")
    assert page.status_code == 200  # an address Mayfly serves: its mail shown or not
    assert (SUBJECTS[kind] in page.get_data(as_text=True)) is (caller in READS[kind])

