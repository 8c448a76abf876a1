"""An open message shows its sender checks' verdicts the moment they come, without a reload."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from selenium.webdriver.support.ui import WebDriverWait

from app.services.checks import auth_results
from tests.factories import build_eml
from tests.mail_auth.stub_dns import stub_dns

pytestmark = pytest.mark.browser


@pytest.fixture
def settings(settings):
    with stub_dns() as dns:
        dns.txt["example.org"] = "v=spf1 ip4:127.0.0.1 -all"
        yield replace(settings, auth_dns_servers=(dns.server,),
                      auth_dns_timeout=timedelta(seconds=5))


def headers_text(browser) -> str:
    return browser.execute_script("return document.querySelector('.headers').innerText")


def test_verdicts_replace_the_waiting_line(app, browser, live_server, client, send_mail):
    send_mail("checks@mayfly.test", build_eml(to="checks@mayfly.test"))
    (summary,) = client.get("/api/v1/mailboxes/checks@mayfly.test/messages").json["messages"]
    browser.get(f"{live_server}/m/{summary['id']}")
    assert "being checked" in headers_text(browser)
    browser.execute_script("window.__sameDocument = 'yes'")
    with app.app_context():
        assert auth_results.evaluate_pending() == 1  # what the SMTP sidecar does in the background
    WebDriverWait(browser, 30).until(lambda b: "SPF pass" in headers_text(b))
    assert "being checked" not in headers_text(browser)
    assert browser.execute_script("return window.__sameDocument") == "yes"  # no reload

