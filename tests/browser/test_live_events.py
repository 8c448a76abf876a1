"""The open inbox refreshes the moment mail arrives, through Server-Sent Events."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from flask import request
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


def test_mail_between_page_and_stream_start_is_shown(browser, make_app, send_mail):
    """The stream opens a moment after the page is drawn; mail in that moment still shows."""
    gate = threading.Event()
    app = make_app(poll_interval=timedelta(seconds=60))

    @app.before_request
    def hold_the_stream() -> None:  # the stream starts only after the mail is stored
        if request.endpoint == "web.inbox_events":
            gate.wait(30)

    with serve(app) as url:
        browser.get(url + "/")
        address = browser.find_element(By.ID, "address").text
        send_mail(address, subject="Came before the stream")
        gate.set()
        WebDriverWait(browser, 15).until(lambda b: "Came before the stream" in inbox_text(b))
