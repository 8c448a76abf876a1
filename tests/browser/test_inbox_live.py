"""The live inbox in a real headless Chromium: mail appears by itself, htmx posts carry CSRF."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from app.extensions import db
from app.models import Mailbox
from app.models.base import utcnow
from tests.browser.conftest import inbox_text

pytestmark = pytest.mark.browser


def test_mail_appears_without_reload(browser, live_server, send_mail):
    browser.get(live_server + "/")
    address = browser.find_element(By.ID, "address").text
    assert address.endswith("@mayfly.test")
    assert "Waiting for mail" in browser.page_source
    browser.execute_script("window.__sameDocument = 'yes';")
    send_mail(address, subject="Confirm your sign-up")
    WebDriverWait(browser, 30).until(
        lambda b: "Confirm your sign-up" in inbox_text(b))
    assert browser.execute_script("return window.__sameDocument") == "yes"
    assert browser.title.startswith("(1) ")
    assert browser.find_elements(By.CSS_SELECTOR, ".message-row.unread")


def countdown(browser) -> str:
    # Read in one script call: htmx may swap the element between a find and a read.
    return browser.execute_script("return document.querySelector('time.countdown').textContent")


def test_extend_button_posts_through_htmx_with_csrf(browser, live_server, app):
    browser.get(live_server + "/")
    address = browser.find_element(By.ID, "address").text
    with app.app_context():
        db.session.execute(sa.update(Mailbox).where(Mailbox.address == address)
                           .values(expires_at=utcnow() + timedelta(minutes=5)))
        db.session.commit()
    browser.get(live_server + "/")
    WebDriverWait(browser, 30).until(lambda b: countdown(b).startswith("in 4:"))
    browser.execute_script("window.__sameDocument = 'yes';")
    browser.find_element(By.CSS_SELECTOR, "#expiry button").click()
    WebDriverWait(browser, 30).until(lambda b: countdown(b).startswith("in 59:"))
    assert browser.execute_script("return window.__sameDocument") == "yes"
    with app.app_context():
        expires = db.session.execute(
            sa.select(Mailbox.expires_at).where(Mailbox.address == address)).scalar_one()
    assert expires > utcnow() + timedelta(minutes=55)


def test_copy_button_copies_the_address(browser, live_server):
    browser.get(live_server + "/")
    browser.find_element(By.CSS_SELECTOR, "button.copy").click()
    WebDriverWait(browser, 30).until(
        lambda b: b.find_element(By.CSS_SELECTOR, "button.copy").text == "Copied")


def test_pages_fit_a_phone_and_a_desktop(browser, live_server, send_mail, screenshot):
    browser.get(live_server + "/")
    address = browser.find_element(By.ID, "address").text
    send_mail(address, subject="A message with a long subject that must not push the page wider",
              attachments=[("report.pdf", "application/pdf", b"%PDF-1.4")])
    browser.get(live_server + "/")
    for width, height in ((390, 844), (1280, 900)):
        path = screenshot("inbox", width, height)
        assert path.stat().st_size > 1000
        overflow = browser.execute_script(
            "return document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"page is {overflow}px wider than a {width}px window"
    # The message page itself (a wide window would open it in the reading pane).
    browser.get(browser.find_element(By.CSS_SELECTOR, ".message-row a").get_attribute("href"))
    for width, height in ((390, 844), (1280, 900)):
        screenshot("message", width, height)
        overflow = browser.execute_script(
            "return document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {
        "features": [{"name": "prefers-color-scheme", "value": "dark"}]})
    background = browser.execute_script(
        "return getComputedStyle(document.documentElement).backgroundColor")
    assert background == "rgb(15, 18, 22)"
    screenshot("message-dark", 1280, 900)


def test_search_box_shows_matches_as_one_types(browser, live_server, send_mail):
    browser.get(live_server + "/")
    address = browser.find_element(By.ID, "address").text
    send_mail(address, subject="Your receipt", text="Order 5521 shipped")
    send_mail(address, subject="Weekly news", text="Nothing to see")
    WebDriverWait(browser, 30).until(lambda b: "Weekly news" in inbox_text(b))
    browser.execute_script("window.__sameDocument = 'yes';")
    browser.find_element(By.ID, "search-q").send_keys("shipped")

    def results(b) -> str:
        return b.execute_script(
            "return document.getElementById('search-results').textContent")

    WebDriverWait(browser, 30).until(lambda b: "Your receipt" in results(b))
    assert "Weekly news" not in results(browser)
    assert browser.execute_script("return window.__sameDocument") == "yes"  # no page load
