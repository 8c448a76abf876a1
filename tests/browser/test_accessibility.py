"""axe-core (from npm) in Chromium on every page a visitor or an account holder sees, light and
dark: no serious or critical violation anywhere."""

from __future__ import annotations

from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser.conftest import inbox_text
from tests.factories import build_eml

pytestmark = pytest.mark.browser
AXE = Path(__file__).parent / "node" / "node_modules" / "axe-core" / "axe.min.js"


def violations(browser) -> list[str]:
    browser.execute_script(AXE.read_text())
    found = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document).then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact,"
        " nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 3)}))));")
    return [f"{v['id']} ({v['impact']}): {v['nodes']}" for v in found
            if v["impact"] in ("serious", "critical")]


def check(browser, url: str, failures: list[str]) -> None:
    for scheme in ("light", "dark"):
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {
            "features": [{"name": "prefers-color-scheme", "value": scheme}]})
        browser.get(url)
        WebDriverWait(browser, 30).until(
            lambda b: b.execute_script("return document.readyState") == "complete")
        failures += [f"{url} [{scheme}] {v}" for v in violations(browser)]


def sign_up(browser, base: str) -> None:
    browser.get(base + "/signup")
    browser.find_element(By.ID, "email").send_keys("axe@example.org")
    browser.find_element(By.ID, "password").send_keys("a good long password")
    browser.find_element(By.ID, "confirm").send_keys("a good long password")
    browser.find_element(By.XPATH, "//button[text()='Sign up']").click()
    WebDriverWait(browser, 30).until(lambda b: b.current_url.endswith("/account"))


def test_no_serious_violations_on_any_page(browser, live_server, send_mail):
    browser.set_window_size(1280, 900)
    failures: list[str] = []
    for path in ("/login", "/signup", "/inbox/nobody@mayfly.test", "/no-such-page"):
        check(browser, live_server + path, failures)
    browser.get(live_server + "/")
    address = browser.find_element(By.ID, "address").text
    send_mail(address, build_eml(to=address, subject="Confirm your account",
                                 text="Your code is 482913. https://acme.example/confirm?t=1",
                                 html="<p>Your code is <b>482913</b>.</p>"
                                      '<a href="https://acme.example/confirm?t=1">Confirm</a>'))
    WebDriverWait(browser, 30).until(lambda b: "Confirm your account" in inbox_text(b))
    check(browser, live_server + "/", failures)
    message = browser.find_element(By.CSS_SELECTOR, ".message-row a").get_attribute("href")
    for view in ("html", "text", "source"):
        check(browser, f"{message}?view={view}", failures)
    check(browser, f"{live_server}/search?q=confirm&mailbox={address}", failures)
    sign_up(browser, live_server)
    browser.find_element(By.ID, "name").send_keys("laptop")
    browser.find_element(By.XPATH, "//button[text()='Create key']").click()
    WebDriverWait(browser, 30).until(lambda b: b.find_elements(By.ID, "new-key"))
    for path in ("/account", "/account/settings"):
        check(browser, live_server + path, failures)
    browser.set_window_size(390, 844)
    for path in ("/account", "/"):
        check(browser, live_server + path, failures)
    assert not failures, "\n".join(failures)


def test_the_check_sees_a_violation(browser, live_server):
    browser.get(live_server + "/login")
    browser.execute_script("document.querySelector('main').insertAdjacentHTML('beforeend',"
                           " '<img src=\"/static/favicon.svg\"><button></button>')")
    found = violations(browser)
    assert any(v.startswith("image-alt (critical)") for v in found)
    assert any(v.startswith("button-name (critical)") for v in found)
