"""Issue 4's walk-through in Chromium: sign up, own a mailbox, make a key, use it, revoke it."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

pytestmark = pytest.mark.browser


def api(url: str, key: str, method: str = "GET") -> tuple[int, dict[str, str], dict]:
    req = urllib.request.Request(url, method=method, headers={"Authorization": f"Bearer {key}"})
    try:
        with urllib.request.urlopen(req, timeout=10) as answer:
            return answer.status, dict(answer.headers), json.load(answer)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.load(error)


def click_and_load(browser, xpath: str) -> None:
    """Click a submit button and wait for the page it leads to (a new document has none of
    the old one's window properties; element staleness checks race with the load)."""
    browser.execute_script("window.mayflyOldPage = true")
    browser.find_element(By.XPATH, xpath).click()
    WebDriverWait(browser, 30).until(
        lambda b: b.execute_script("return document.readyState === 'complete' && "
                                   "!window.mayflyOldPage"))


def meter(browser, name: str) -> float:
    return float(browser.find_element(By.ID, f"q-{name}").get_attribute("value"))


def test_sign_up_key_quota_and_revoke(browser, live_server, send_mail, screenshot):
    browser.get(live_server + "/signup")
    browser.find_element(By.ID, "email").send_keys("person@example.org")
    browser.find_element(By.ID, "password").send_keys("a good long password")
    browser.find_element(By.ID, "confirm").send_keys("a good long password")
    click_and_load(browser, "//button[text()='Sign up']")
    assert browser.current_url.endswith("/account")

    browser.find_element(By.ID, "local").send_keys("signup-tests")
    click_and_load(browser, "//button[text()='Create mailbox']")
    assert "signup-tests@mayfly.test" in browser.page_source
    assert meter(browser, "mailboxes") == 1

    browser.find_element(By.ID, "name").send_keys("laptop")
    click_and_load(browser, "//button[text()='Create key']")
    key = browser.find_element(By.ID, "new-key").text
    assert key.startswith("mf_")
    # Post/Redirect/Get: the key is brought into view and focus, and a reload shows the
    # dashboard again without making a second key or showing this one again.
    assert browser.current_url.endswith("/account#shown-once")
    assert browser.execute_script("return document.activeElement.id") == "shown-once"
    assert "Key laptop created: copy it now" in browser.page_source
    browser.refresh()
    WebDriverWait(browser, 30).until(lambda b: b.execute_script(
        "return document.readyState === 'complete'"))
    assert not browser.find_elements(By.ID, "new-key")
    assert len(browser.find_elements(By.XPATH, "//td[text()='laptop']")) == 1

    send_mail("signup-tests@mayfly.test", subject="Welcome aboard")
    for _ in range(3):
        status, headers, body = api(
            f"{live_server}/api/v1/mailboxes/signup-tests@mayfly.test/messages", key)
        assert status == 200
        assert body["messages"][0]["subject"] == "Welcome aboard"
    assert headers["X-RateLimit-Used"] == "3"

    browser.get(live_server + "/account")
    assert meter(browser, "requests") == 3
    assert meter(browser, "storage") > 0
    assert "laptop" in browser.page_source
    screenshot("dashboard", 1280, 1000)
    screenshot("dashboard", 390, 1400)
    overflow = browser.execute_script(
        "return document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0

    browser.set_window_size(1280, 1000)
    # Revoking asks first; saying no keeps the key working.
    browser.find_element(By.XPATH, "//button[text()='Revoke']").click()
    alert = WebDriverWait(browser, 30).until(lambda b: b.switch_to.alert)
    assert "Revoke the key laptop?" in alert.text
    alert.dismiss()
    assert api(f"{live_server}/api/v1/domains", key)[0] == 200
    browser.execute_script("window.mayflyOldPage = true")
    browser.find_element(By.XPATH, "//button[text()='Revoke']").click()
    WebDriverWait(browser, 30).until(lambda b: b.switch_to.alert).accept()
    WebDriverWait(browser, 30).until(
        lambda b: b.execute_script("return document.readyState === 'complete' && "
                                   "!window.mayflyOldPage"))
    assert "The key was revoked." in browser.page_source
    status, _, body = api(f"{live_server}/api/v1/domains", key)
    assert status == 401
    assert body["error"]["code"] == "unauthorized"


def test_quota_bars_and_chart_read_well_on_a_phone(browser, live_server, make_user):
    make_user("phone@example.org")
    browser.get(live_server + "/login")
    browser.find_element(By.ID, "email").send_keys("phone@example.org")
    browser.find_element(By.ID, "password").send_keys("correct horse battery")
    click_and_load(browser, "//button[text()='Log in']")
    browser.set_window_size(390, 844)
    style = browser.execute_script(
        "const m = getComputedStyle(document.getElementById('q-requests'));"
        "const a = getComputedStyle(document.querySelector('.chart-axis span'));"
        "return [m.appearance, parseFloat(a.fontSize), document.querySelector('.chart-axis').textContent];")
    assert style[0] == "none"  # drawn by Mayfly's stylesheet, not the browser's default
    assert style[1] >= 12  # axis labels stay readable when the chart shrinks
    assert "today" in style[2]
    assert "0 of 50,000" in browser.page_source  # thousands separated (PLAN_REQUESTS)
