"""Every XSS vector of the hostile corpus, in bodies, subjects, sender names and file names,
opened in Chromium through every page that shows mail: nothing runs, navigates or loads."""

from __future__ import annotations

import time

import pytest
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.by import By

from tests.browser.test_message_safety import only_the_frame_script
from tests.factories import build_eml
from tests.security.corpus import XSS

pytestmark = pytest.mark.browser


def assert_quiet(browser, url: str, tracker) -> None:
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert  # noqa: B018 - the property access is the check
    assert browser.current_url == url
    assert tracker.hits == [], tracker.hits


def test_no_vector_runs_anywhere(browser, live_server, client, send_mail, tracker):
    vectors = [v.replace("https://evil.example", tracker.url)
               .replace("https://tracker.example", tracker.url) for v in XSS]
    for i, vector in enumerate(vectors):
        send_mail("xss@mayfly.test", build_eml(
            to="xss@mayfly.test", sender=f'"{vector}" <evil{i}@example.org>', subject=vector,
            text=vector, html=f"<p>case {i}</p>{vector}",
            attachments=[(f"{vector}.html", "text/html", vector.encode())]))
    listing = client.get("/api/v1/mailboxes/xss@mayfly.test/messages?limit=100").json
    assert len(listing["messages"]) == len(vectors)

    inbox = f"{live_server}/inbox/xss@mayfly.test"
    browser.get(inbox)
    time.sleep(1)
    assert_quiet(browser, inbox, tracker)
    assert browser.find_elements(By.CSS_SELECTOR, ".message-row")

    for summary in listing["messages"]:
        for view in ("html", "text", "source"):
            url = f"{live_server}/m/{summary['id']}?view={view}"
            browser.get(url)
            if view == "html":
                frame = browser.find_element(By.CSS_SELECTOR, "iframe.mail-frame")
                browser.switch_to.frame(frame)
                assert only_the_frame_script(browser)
                browser.switch_to.default_content()
            assert_quiet(browser, url, tracker)
    time.sleep(1)  # late loads (meta refresh, lazy images) get their chance
    assert tracker.hits == []
