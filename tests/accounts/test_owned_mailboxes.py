"""Owned mailboxes: dashboard, protection, lifetime, plans, domains, storage at SMTP time."""

from __future__ import annotations

import smtplib
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Mailbox
from app.models.base import utcnow
from tests.api.contract import call
from tests.factories import build_eml
from tests.web.helpers import csrf_token
from tests.web.login import log_in


@pytest.fixture
def signed_in(client, make_user):
    make_user("owner@example.org")
    log_in(client, "owner@example.org")
    return client


def create_owned(client, local="", domain="mayfly.test"):
    return client.post("/account/mailboxes", data={"csrf_token": csrf_token(client, "/account"),
                                                   "local": local, "domain": domain})


def test_dashboard_lists_owned_mailboxes_with_unread(signed_in, send_mail):
    assert create_owned(signed_in, "mine").status_code == 303
    assert create_owned(signed_in).status_code == 303  # random
    send_mail("mine@mayfly.test")
    send_mail("mine@mayfly.test")
    page = signed_in.get("/account").get_data(as_text=True)
    row = page.split('mine@mayfly.test</a></td>')[1]
    assert row.split('<td data-label="Unread">')[1].startswith("2</td>")
    assert page.count('class="mono">') >= 2


def test_owned_mailbox_is_readable_by_its_owner_only(signed_in, send_mail, app):
    create_owned(signed_in, "private")
    send_mail("private@mayfly.test", subject="For the owner")
    assert "For the owner" in signed_in.get("/inbox/private@mayfly.test").get_data(as_text=True)
    stranger = app.test_client().get("/inbox/private@mayfly.test").get_data(as_text=True)
    assert "For the owner" not in stranger
    assert call(app.test_client(), "GET", "/mailboxes/{address}",
                address="private@mayfly.test").status_code == 404


def test_owned_mailboxes_live_longer_and_can_be_extended(signed_in, app):
    create_owned(signed_in, "long")
    with app.app_context():
        mailbox = db.session.execute(sa.select(Mailbox).filter_by(address="long@mayfly.test")).scalar_one()
        assert mailbox.expires_at - mailbox.created_at >= timedelta(days=6, hours=23)
        mailbox.expires_at = utcnow() + timedelta(hours=1)
        db.session.commit()
    token = csrf_token(signed_in, "/account")
    assert signed_in.post("/account/mailboxes/long@mayfly.test/extend",
                          data={"csrf_token": token}).status_code == 303
    with app.app_context():
        expires = db.session.execute(sa.select(Mailbox.expires_at)).scalar_one()
        assert expires - utcnow() > timedelta(days=6)


def test_owned_mailbox_ttl_zero_means_never(make_app, make_user, app):
    never = make_app(owned_mailbox_ttl=timedelta(0))
    make_user("owner@example.org")
    client = never.test_client()
    log_in(client, "owner@example.org")
    create_owned(client, "forever")
    with never.app_context():
        assert db.session.execute(sa.select(Mailbox.expires_at)).scalar_one() is None


def test_delete_owned_mailbox(signed_in, app):
    create_owned(signed_in, "temp")
    token = csrf_token(signed_in, "/account")
    assert signed_in.post("/account/mailboxes/temp@mayfly.test/delete",
                          data={"csrf_token": token}).status_code == 303
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count()).select_from(Mailbox)).scalar() == 0


def test_cannot_delete_someone_elses_mailbox(signed_in, app, make_user):
    make_user("other@example.org")
    other = app.test_client()
    log_in(other, "other@example.org")
    create_owned(other, "theirs")
    token = csrf_token(signed_in, "/account")
    assert signed_in.post("/account/mailboxes/theirs@mayfly.test/delete",
                          data={"csrf_token": token}).status_code == 404


def test_plan_limits_mailbox_count_and_domain_types(signed_in, app):
    runner = app.test_cli_runner()
    runner.invoke(args=["users", "plan", "owner@example.org", "--mailboxes", "1"])
    assert create_owned(signed_in, "one").status_code == 303
    second = create_owned(signed_in, "two")
    assert second.status_code == 422
    assert "allows 1 mailboxes" in second.get_data(as_text=True)
    runner.invoke(args=["users", "plan", "owner@example.org", "--mailboxes", "5"])
    assert runner.invoke(args=["domains", "type", "other.test", "premium"]).exit_code == 0
    page = signed_in.get("/account").get_data(as_text=True)
    assert '<option value="other.test">' not in page  # not offered to a free plan
    refused = create_owned(signed_in, "prem", "other.test")
    assert refused.status_code == 422


def test_plan_domain_types_through_the_api(client, make_user, api_key_for, app):
    make_user("dev@example.org")
    key = {"Authorization": f"Bearer {api_key_for('dev@example.org')}"}
    app.test_cli_runner().invoke(args=["domains", "type", "other.test", "premium"])
    refused = call(client, "POST", "/mailboxes", json={"domain": "other.test"}, headers=key)
    assert refused.status_code == 403
    assert refused.json["error"]["code"] == "plan_limit"
    app.test_cli_runner().invoke(args=["users", "plan", "dev@example.org",
                                       "--domain-types", "free,premium"])
    assert call(client, "POST", "/mailboxes", json={"domain": "other.test"},
                headers=key).status_code == 201


def test_user_storage_enforced_at_smtp_time(client, make_user, api_key_for, app, smtp_server):
    make_user("dev@example.org")
    key = {"Authorization": f"Bearer {api_key_for('dev@example.org')}"}
    first, big = build_eml(to="s1@mayfly.test", text="a" * 900), build_eml(text="b" * 900)
    app.test_cli_runner().invoke(args=["users", "plan", "dev@example.org",
                                       "--storage", str(len(first) + 100)])
    for local in ("s1", "s2"):
        call(client, "POST", "/mailboxes", json={"local": local}, headers=key)
    with smtplib.SMTP(smtp_server.hostname, smtp_server.port) as smtp:
        smtp.sendmail("a@example.org", ["s1@mayfly.test"], first)
        # The second mailbox is empty, but the user's storage is not: 552, nothing stored.
        with pytest.raises(smtplib.SMTPDataError) as over:
            smtp.sendmail("a@example.org", ["s2@mayfly.test"], big)
        assert over.value.smtp_code == 552
    with app.app_context():
        used = db.session.execute(sa.select(Mailbox.used_bytes).filter_by(
            address="s2@mayfly.test")).scalar_one()
    assert used == 0
    log_in(client, "dev@example.org")
    page = client.get("/account").get_data(as_text=True)
    assert f'id="q-storage" min="0" max="{len(first) + 100}" value="{len(first)}"' in page
