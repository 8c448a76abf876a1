"""Many tabs of one visitor: one event stream for the browser, new mail in every tab; a
refused stream says live updates are paused and polling carries on."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser.conftest import inbox_text
from tests.conftest import serve

pytestmark = pytest.mark.browser
TABS = 8


def live_role(browser) -> str:
    return browser.execute_script("return window.mayflyLive || ''")


def test_eight_tabs_share_one_stream_and_all_get_new_mail(browser, live_server, send_mail):
    browser.get(live_server + "/")
    address = browser.find_element(By.ID, "address").text
    tabs = [browser.current_window_handle]
    for _ in range(TABS - 1):
        browser.switch_to.new_window("tab")
        browser.get(live_server + "/")
        tabs.append(browser.current_window_handle)
    roles = []
    for tab in tabs:  # every tab loaded, and settled on leading or following
        browser.switch_to.window(tab)
        assert browser.find_element(By.ID, "address").text == address
        WebDriverWait(browser, 30).until(lambda b: live_role(b) in ("leader", "follower"))
        roles.append(live_role(browser))
    assert sorted(roles) == ["follower"] * (TABS - 1) + ["leader"]
    send_mail(address, subject="Seen in every tab")
    for tab in tabs:
        browser.switch_to.window(tab)
        WebDriverWait(browser, 30).until(lambda b: "Seen in every tab" in inbox_text(b))


def test_a_refused_stream_says_updates_are_paused(browser, make_app, send_mail):
    app = make_app(wait_max_per_client=1, poll_interval=timedelta(seconds=1))
    with serve(app) as base:
        address = "paused@mayfly.test"
        send_mail(address, subject="Already here")
        # The one stream this client (127.0.0.1) may hold is taken before the page opens.
        held = requests.get(f"{base}/inbox/{address}/events", stream=True, timeout=30)
        try:
            assert held.status_code == 200
            browser.get(f"{base}/inbox/{address}")
            WebDriverWait(browser, 30).until(lambda b: "Live updates paused" in b.execute_script(
                "return document.getElementById('live-status').textContent"))
            assert live_role(browser) == "polling"
            send_mail(address, subject="Polled in")
            WebDriverWait(browser, 30).until(lambda b: "Polled in" in inbox_text(b))
        finally:
            held.close()
