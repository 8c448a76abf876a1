"""The open inbox refreshes the moment mail arrives, through Server-Sent Events."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from flask import request
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser.conftest import inbox_text
from tests.conftest import serve

pytestmark = pytest.mark.browser


GENEROUS = 30


@pytest.fixture
def slow_poll_server(make_app, app):
    """Polling once an hour: only the event stream can bring mail in within the test's wait.
    Yields the URL and an event set once the page's stream has been answered (its resume
    point taken: mail from then on is the stream's to bring)."""
    served = make_app(poll_interval=timedelta(hours=1))
    opened = threading.Event()

    @served.after_request
    def stream_answered(response):
        if request.endpoint == "web.inbox_events":
            opened.set()
        return response

    with serve(served) as url:
        yield url, opened


def test_event_stream_refreshes_the_open_inbox(browser, slow_poll_server, send_mail):
    url, opened = slow_poll_server
    browser.get(url + "/")
    address = browser.find_element(By.ID, "address").text
    browser.execute_script("window.__sameDocument = 'yes';")
    assert opened.wait(GENEROUS), "the page did not open its event stream"
    send_mail(address, subject="Pushed to the page")
    # The wait only bounds a hang: the next poll is an hour away, so the stream brought it.
    WebDriverWait(browser, GENEROUS).until(
        lambda b: "Pushed to the page" in inbox_text(b))
    assert browser.execute_script("return window.__sameDocument") == "yes"


def test_mail_between_page_and_stream_start_is_shown(browser, make_app, send_mail):
    """The stream opens a moment after the page is drawn; mail in that moment still shows."""
    gate = threading.Event()
    app = make_app(poll_interval=timedelta(hours=1))

    @app.before_request
    def hold_the_stream() -> None:  # the stream starts only after the mail is stored
        if request.endpoint == "web.inbox_events":
            gate.wait(30)

    with serve(app) as url:
        browser.get(url + "/")
        address = browser.find_element(By.ID, "address").text
        send_mail(address, subject="Came before the stream")
        gate.set()
        WebDriverWait(browser, GENEROUS).until(lambda b: "Came before the stream" in inbox_text(b))
