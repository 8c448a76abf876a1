"""The open inbox refreshes the moment mail arrives, through Server-Sent Events."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser.conftest import inbox_text
from tests.conftest import serve

pytestmark = pytest.mark.browser


@pytest.fixture
def slow_poll_server(make_app, app):
    """Polling once a minute: only the event stream can bring mail in within seconds."""
    with serve(make_app(poll_interval=timedelta(seconds=60))) as url:
        yield url


def test_event_stream_refreshes_the_open_inbox(browser, slow_poll_server, send_mail):
    browser.get(slow_poll_server + "/")
    address = browser.find_element(By.ID, "address").text
    browser.execute_script("window.__sameDocument = 'yes';")
    time.sleep(1)  # the page has opened its EventSource
    sent = time.monotonic()
    send_mail(address, subject="Pushed to the page")
    WebDriverWait(browser, 10).until(
        lambda b: "Pushed to the page" in inbox_text(b))
    assert time.monotonic() - sent < 10  # far sooner than the 60 s poll
    assert browser.execute_script("return window.__sameDocument") == "yes"
