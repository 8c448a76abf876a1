"""The pages a mailed link opens, in Chromium: the token after # is read by the page's script,
taken out of the address bar, and posted with the form (no request line ever carries it)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.conftest import serve

pytestmark = pytest.mark.browser
PUBLIC = "https://mail.example.com"


@pytest.fixture
def relayed_server(make_app, smtp_server):
    """A live Mayfly that mails through its own SMTP server (the mail lands in its inboxes)."""
    with serve(make_app(smtp_relay_url=f"smtp://127.0.0.1:{smtp_server.port}",
                        public_url=PUBLIC)) as url:
        yield url


def click_and_load(browser, xpath: str) -> None:
    """Click a submit button and wait for the page it leads to."""
    browser.execute_script("window.mayflyOldPage = true")
    browser.find_element(By.XPATH, xpath).click()
    WebDriverWait(browser, 10).until(
        lambda b: b.execute_script("return document.readyState === 'complete' && "
                                   "!window.mayflyOldPage"))


def mailed_link(client, address: str, subject: str) -> str:
    (summary,) = client.get(f"/api/v1/mailboxes/{address}/messages?wait=30").json["messages"]
    message = client.get(f"/api/v1/messages/{summary['id']}").json
    assert message["subject"] == subject
    return next(word for word in message["text"].split() if word.startswith(PUBLIC))


def open_link(browser, base: str, link: str) -> None:
    """Open a mailed link on the test's server (the link itself starts with PUBLIC_URL)."""
    parts = urlsplit(link)
    assert parts.fragment and not parts.query
    browser.get(f"{base}{parts.path}#{parts.fragment}")
    WebDriverWait(browser, 10).until(
        lambda b: b.find_element(By.ID, "link-form").is_displayed())
    assert browser.current_url == base + parts.path  # the token left the address bar
    assert not browser.find_element(By.ID, "link-missing").is_displayed()


def test_a_reset_link_sets_the_password_in_the_browser(browser, relayed_server, client,
                                                       make_user):
    make_user("me@mayfly.test")
    browser.get(relayed_server + "/password/forgot")
    browser.find_element(By.ID, "email").send_keys("me@mayfly.test")
    click_and_load(browser, "//button[text()='Mail me a link']")
    link = mailed_link(client, "me@mayfly.test", "Reset your Mayfly password")
    open_link(browser, relayed_server, link)
    browser.find_element(By.ID, "new").send_keys("a brand new passphrase")
    browser.find_element(By.ID, "confirm").send_keys("a brand new passphrase")
    click_and_load(browser, "//button[text()='Set the password']")
    assert browser.current_url == relayed_server + "/account"
    assert "Your password was set" in browser.page_source


def test_a_sign_up_link_makes_the_account_in_the_browser(browser, relayed_server, client):
    browser.get(relayed_server + "/signup")
    browser.find_element(By.ID, "email").send_keys("fresh@mayfly.test")
    click_and_load(browser, "//button[text()='Mail me a link']")
    assert "We sent a mail to" in browser.page_source
    link = mailed_link(client, "fresh@mayfly.test", "Finish signing up to Mayfly")
    open_link(browser, relayed_server, link)
    browser.find_element(By.ID, "new").send_keys("my chosen passphrase")
    browser.find_element(By.ID, "confirm").send_keys("my chosen passphrase")
    click_and_load(browser, "//button[text()='Create the account']")
    assert browser.current_url == relayed_server + "/account"
    assert "Your account is ready" in browser.page_source


def test_the_page_without_a_link_says_where_to_open_it(browser, relayed_server):
    browser.get(relayed_server + "/password/reset")
    WebDriverWait(browser, 10).until(
        lambda b: b.execute_script("return document.readyState === 'complete'"))
    assert browser.find_element(By.ID, "link-missing").is_displayed()
    assert not browser.find_element(By.ID, "link-form").is_displayed()
