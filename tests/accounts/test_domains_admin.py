"""Domains and plans from the command line and the admin page."""

from __future__ import annotations

import smtplib

import pytest

from tests.api.contract import call
from tests.web.helpers import csrf_token
from tests.web.login import log_in


def test_cli_add_disable_enable_type(app, client, send_mail):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["domains", "add", "new.test", "--type", "premium"]).exit_code == 0
    assert "new.test\tpremium\tactive" in runner.invoke(args=["domains", "list"]).output
    send_mail("x@new.test")
    assert runner.invoke(args=["domains", "disable", "new.test"]).exit_code == 0
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        send_mail("y@new.test")
    assert refused.value.recipients["y@new.test"][0] == 550
    names = [d["name"] for d in call(client, "GET", "/domains").json["domains"]]
    assert "new.test" not in names
    assert runner.invoke(args=["domains", "enable", "new.test"]).exit_code == 0
    send_mail("z@new.test")
    failed = runner.invoke(args=["domains", "add", "not a domain"])
    assert failed.exit_code != 0 and "not a domain" in failed.output


def test_disabled_domain_stays_disabled_across_restarts(app, make_app):
    app.test_cli_runner().invoke(args=["domains", "disable", "other.test"])
    restarted = make_app()
    with restarted.app_context():
        from app.services.mailbox_life import domains

        domains.sync_configured()
        assert [d.name for d in domains.list_active()] == ["mayfly.test"]


def test_cli_users_and_keys(app, client):
    runner = app.test_cli_runner()
    created = runner.invoke(args=["users", "create", "ops@example.org", "--admin"],
                            input="a long enough password\n")
    assert created.exit_code == 0, created.output
    key = runner.invoke(args=["keys", "create", "ops@example.org", "--name", "deploy"])
    assert key.exit_code == 0
    secret = key.output.strip()
    assert secret.startswith("mf_") and "\n" not in secret
    assert call(client, "GET", "/domains",
                headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    assert runner.invoke(args=["users", "create", "bad@example.org"], input="short\n").exit_code != 0
    assert runner.invoke(args=["keys", "revoke", "mf_nothing"]).exit_code != 0


def test_admin_page_is_for_admins_only(client, make_user, app):
    make_user("plain@example.org")
    log_in(client, "plain@example.org")
    assert client.get("/admin").status_code == 404
    assert app.test_client().get("/admin").status_code == 302


def test_admin_manages_domains_and_plans(client, make_user, app):
    make_user("root@example.org", admin=True)
    make_user("customer@example.org")
    log_in(client, "root@example.org")
    page = client.get("/admin")
    assert page.status_code == 200
    token = csrf_token(client, "/admin")
    assert client.post("/admin/domains", data={"csrf_token": token, "name": "added.test",
                                               "kind": "custom"}).status_code == 303
    assert client.post("/admin/domains/added.test", data={
        "csrf_token": token, "action": "disable"}).status_code == 303
    page = client.get("/admin").get_data(as_text=True)
    assert "added.test" in page and "disabled" in page
    customer_id = 2
    response = client.post(f"/admin/users/{customer_id}", data={
        "csrf_token": token, f"u{customer_id}-requests": "10", f"u{customer_id}-mailboxes": "",
        f"u{customer_id}-storage_mib": "5", f"u{customer_id}-domain_types": "free,custom"})
    assert response.status_code == 303
    with app.app_context():
        from app.services.accounts import plans, users

        plan = plans.plan_for(users.find_by_email("customer@example.org"))
    assert (plan.requests, plan.mailboxes, plan.storage) == (10, 100, 5 * 1024 * 1024)
    assert plan.domain_types == ("free", "custom")
