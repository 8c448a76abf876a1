"""A page on another origin calls the API from Chromium: only when API_CORS_ORIGINS names it."""

from __future__ import annotations

import pytest

from tests.conftest import serve

pytestmark = pytest.mark.browser

FETCH = """
const [url, options, done] = arguments;
fetch(url, options)
  .then(r => r.text().then(text => done({status: r.status, etag: r.headers.get('ETag'), text})))
  .catch(error => done({error: String(error)}));
"""


def call(browser, url: str, **options) -> dict:
    browser.set_script_timeout(30)
    return browser.execute_async_script(FETCH, url, options)


def test_only_a_named_origin_reads_the_api_and_never_with_cookies(browser, make_app, tracker,
                                                                   send_mail):
    elsewhere = tracker.url  # another port on the loopback: another origin
    allowed, closed = make_app(api_cors_origins=(elsewhere,)), make_app()
    created = allowed.test_client().post("/api/v1/mailboxes", json={"protected": True}).json
    send_mail(created["address"], subject="Read from elsewhere")
    bearer = {"Authorization": f"Bearer {created['token']}"}
    listing = f"/api/v1/mailboxes/{created['address']}/messages"
    browser.get(elsewhere + "/page")
    with serve(allowed) as mayfly, serve(closed) as private:
        read = call(browser, mayfly + listing, headers=bearer)
        assert read["status"] == 200 and "Read from elsewhere" in read["text"]
        assert read["etag"]  # not a safelisted header: readable because it is exposed
        # A JSON POST needs a preflight first; it passes and the mailbox is made.
        made = call(browser, mayfly + "/api/v1/mailboxes", method="POST",
                    headers={"Content-Type": "application/json"}, body="{}")
        assert made["status"] == 201
        # With the visitor's cookies the browser refuses the answer: no credentials shared.
        assert "error" in call(browser, mayfly + listing, headers=bearer, credentials="include")
        # A Mayfly that names no origin shares nothing.
        assert "error" in call(browser, private + listing, headers=bearer)
        # The browser pages are never shared.
        assert "error" in call(browser, mayfly + "/")
