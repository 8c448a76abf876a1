"""The pages at phone (390x844) and desktop (1280x900) sizes, light and dark: nothing wider
than the screen, the Recent row and the address chooser on one line each, addresses whole in
dashboard tables. The screenshots it takes are the README's (copied to docs/screenshots)."""

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
from tests.factories import build_eml

pytestmark = pytest.mark.browser
SIZES = ((1280, 900), (390, 844))
NEWSLETTER = ("<h2 style='color:#0b6bcb'>Welcome to Acme</h2><p>Your verification code is "
              "<b>482913</b>.</p><p><a href='https://acme.example/confirm?t=9'>Confirm your "
              "account</a></p><table width='100%'><tr><td style='padding:12px;background:#eef'>"
              "Orders ship within a day.</td></tr></table>")


def scheme(browser, name: str) -> None:
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {
        "features": [{"name": "prefers-color-scheme", "value": name}]})


def fits(browser) -> int:
    return browser.execute_script("return document.documentElement.scrollWidth - innerWidth")


def shoot_all(browser, screenshot, name: str) -> None:
    for look in ("light", "dark"):
        scheme(browser, look)
        for width, height in SIZES:
            screenshot(f"{name}-{look}", width, height)
            assert fits(browser) <= 0, f"{name} ({look}) is wider than a {width}px window"
    scheme(browser, "light")


def test_every_screen_fits_and_is_photographed(browser, live_server, send_mail, app,
                                               screenshot, make_user):
    browser.get(live_server + "/")
    for _ in range(2):  # two more addresses, so Recent has something to offer
        before = browser.find_element(By.ID, "address").text
        browser.find_element(By.XPATH, "//button[text()='New random address']").click()
        WebDriverWait(browser, 30).until(lambda b, before=before: b.execute_script(
            "const a = document.getElementById('address'); return a && a.textContent")
            not in (None, before))
    address = browser.find_element(By.ID, "address").text
    shoot_all(browser, screenshot, "home")
    browser.set_window_size(390, 844)
    browser.find_element(By.CSS_SELECTOR, "details.choose summary").click()
    line = browser.execute_script("""
        const box = e => document.querySelector(e).getBoundingClientRect();
        return [box('.choose-form .at').top - box('#domain').top,
                box('.recent-form').right - innerWidth];""")
    assert abs(line[0]) < 12  # "@" stays on the domain's line
    assert line[1] <= 0  # the Recent row fits the phone
    send_mail(address, build_eml(to=address, sender="Acme <no-reply@acme.example>",
                                 subject="Confirm your Acme account", html=NEWSLETTER,
                                 text="Your verification code is 482913."))
    send_mail(address, subject="Your receipt", text="Order 5521 shipped.",
              attachments=[("receipt.pdf", "application/pdf", b"%PDF-1.4")])
    browser.get(live_server + "/")
    WebDriverWait(browser, 30).until(lambda b: "Your receipt" in inbox_text(b))
    shoot_all(browser, screenshot, "inbox")
    link = browser.find_element(By.XPATH, "//span[@class='subject'][text()="
                                "'Confirm your Acme account']/ancestor::a").get_attribute("href")
    browser.get(link + "?view=html")
    shoot_all(browser, screenshot, "message-html")
    browser.get(link + "?view=text")
    shoot_all(browser, screenshot, "message-text")

    with app.app_context():
        db.session.execute(sa.update(Mailbox).where(Mailbox.address == address)
                           .values(expires_at=utcnow() + timedelta(seconds=2)))
        db.session.commit()
    browser.get(live_server + "/")
    WebDriverWait(browser, 30).until(
        lambda b: b.find_element(By.ID, "expired-notice").is_displayed())
    shoot_all(browser, screenshot, "expired")

    make_user("screens@example.org")
    browser.get(live_server + "/login")
    browser.find_element(By.ID, "email").send_keys("screens@example.org")
    browser.find_element(By.ID, "password").send_keys("correct horse battery")
    browser.find_element(By.XPATH, "//button[text()='Log in']").click()
    WebDriverWait(browser, 30).until(lambda b: b.current_url.endswith("/account"))
    browser.find_element(By.ID, "local").send_keys("signup-tests-for-ci")
    browser.find_element(By.XPATH, "//button[text()='Create mailbox']").click()
    WebDriverWait(browser, 30).until(lambda b: "signup-tests-for-ci@" in b.page_source)
    shoot_all(browser, screenshot, "dashboard")
    browser.set_window_size(390, 844)
    lines = browser.execute_script("""
        const a = [...document.querySelectorAll('.table a.mono')]
            .find(e => e.textContent.startsWith('signup-tests-for-ci@'));
        return a.getBoundingClientRect().height / parseFloat(getComputedStyle(a).lineHeight);""")
    assert lines < 1.5  # the address on one line, not "signup- / tests@mayf / ly.test"
