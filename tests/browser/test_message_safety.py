"""Hostile mail opened in a real Chromium: nothing runs, navigates or loads until asked."""

from __future__ import annotations

import time

import pytest
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from app.web.messages import FRAME_SCRIPT
from tests.browser.conftest import inbox_text
from tests.factories import build_eml

pytestmark = pytest.mark.browser


def hostile_html(tracker: str) -> str:
    # Every line tries to run script, navigate, submit, or reach the tracker.
    return f"""
<p>Hello from a stranger</p>
<script>alert('script'); fetch('{tracker}/script')</script>
<img src="x" onerror="alert('onerror'); fetch('{tracker}/onerror')">
<img src="{tracker}/pixel.gif">
<img srcset="{tracker}/srcset.gif 2x">
<div style="background-image: url('{tracker}/css-bg.gif')">css</div>
<div style="background: image-set('{tracker}/image-set.gif' 1x)">set</div>
<style>@import url('{tracker}/import.css'); body {{ background: url('{tracker}/style.gif') }}</style>
<a href="javascript:alert('link')">javascript link</a>
<a href="{tracker}/clicked" target="_top">top link</a>
<form action="{tracker}/form" method="post"><input name="q" value="x"><button id="submit">Go</button></form>
<meta http-equiv="refresh" content="0;url={tracker}/refresh">
<iframe src="{tracker}/iframe"></iframe><object data="{tracker}/object"></object>
<svg><script>alert('svg')</script></svg>
<base href="{tracker}/">
"""


def assert_no_dialog(browser) -> None:
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert  # noqa: B018 - the property access is the check


def only_the_frame_script(browser) -> bool:
    """Inside the mail frame: no script but Mayfly's hash-pinned sizing one."""
    scripts = browser.find_elements(By.TAG_NAME, "script")
    return [s.get_attribute("textContent") for s in scripts] == [FRAME_SCRIPT]


def open_message(browser, live_server, client, address: str) -> int:
    (summary,) = client.get(f"/api/v1/mailboxes/{address}/messages").json["messages"]
    browser.get(f"{live_server}/m/{summary['id']}")
    return summary["id"]


def test_hostile_message_runs_nothing_and_loads_nothing(browser, live_server, client,
                                                         send_mail, tracker):
    send_mail("target@mayfly.test", build_eml(
        to="target@mayfly.test", sender='"<img src=x onerror=alert(1)>" <evil@example.org>',
        subject="<script>alert('subject')</script>", text=None, html=hostile_html(tracker.url),
        attachments=[("<img src=x onerror=alert(2)>.html", "text/html", b"<script>x</script>")]))
    browser.get(f"{live_server}/inbox/target@mayfly.test")
    assert "<script>alert('subject')</script>" in inbox_text(browser)
    assert_no_dialog(browser)

    message_id = open_message(browser, live_server, client, "target@mayfly.test")
    page_url = browser.current_url
    frame = browser.find_element(By.CSS_SELECTOR, "iframe.mail-frame")
    browser.switch_to.frame(frame)
    WebDriverWait(browser, 30).until(
        lambda b: "Hello from a stranger" in b.find_element(By.TAG_NAME, "body").text)
    assert only_the_frame_script(browser)
    assert browser.find_elements(By.TAG_NAME, "form") == []
    assert browser.find_elements(By.TAG_NAME, "iframe") == []
    time.sleep(1.5)  # give a refresh, a script or a late image every chance to fire
    assert tracker.hits == []
    # Clicking: the javascript: link is dead, the _top link opens a new window, not ours.
    browser.find_element(By.LINK_TEXT, "javascript link").click()
    browser.find_element(By.LINK_TEXT, "top link").click()
    browser.switch_to.default_content()
    assert_no_dialog(browser)
    assert browser.current_url == page_url
    assert browser.title.startswith("<script>alert('subject')</script>")
    assert message_id


def test_remote_images_load_only_after_the_reader_asks(browser, live_server, client, send_mail,
                                                       tracker):
    send_mail("pixels@mayfly.test", build_eml(
        to="pixels@mayfly.test", text=None,
        html=f'<p>Newsletter</p><img src="{tracker.url}/pixel.gif" alt="pixel">'))
    open_message(browser, live_server, client, "pixels@mayfly.test")
    time.sleep(1)
    assert tracker.hits == []
    browser.find_element(By.LINK_TEXT, "Show images").click()
    WebDriverWait(browser, 30).until(lambda b: "/pixel.gif" in tracker.hits)


def test_attachment_downloads_byte_for_byte(browser, live_server, client, send_mail, downloads):
    payload = bytes(range(256)) * 64
    send_mail("dl@mayfly.test", build_eml(
        to="dl@mayfly.test", attachments=[("data.bin", "application/octet-stream", payload)]))
    open_message(browser, live_server, client, "dl@mayfly.test")
    browser.find_element(By.LINK_TEXT, "data.bin").click()
    target = downloads / "data.bin"
    WebDriverWait(browser, 30).until(lambda _: target.exists() and target.stat().st_size == len(payload))
    assert target.read_bytes() == payload


def set_dmarc(app, message_id: int, domain: str, result: str = "pass") -> None:
    """Store the verdicts the sender checks give mail DKIM-signed by `domain` (pass), or the
    same mail unsigned (fail): what tests/security/test_image_trust.py gets from a real
    signature checked against a stub DNS."""
    import sqlalchemy as sa

    from app.extensions import db
    from app.models import Message, MessageChecks

    dkim = "pass" if result == "pass" else "none"
    auth = {"spf": {"result": "none", "domain": domain},
            "dkim": [{"result": "pass", "domain": domain, "selector": "sel1"}] if dkim == "pass"
            else [],
            "dmarc": {"result": result, "domain": domain, "policy": "reject"},
            "arc": {"result": "none"},
            "header": f"Authentication-Results: mayfly.test; dkim={dkim}; dmarc={result}"}
    with app.app_context():
        db.session.execute(sa.update(MessageChecks).where(
            MessageChecks.message_id == sa.select(Message.id).where(
                Message.public_id == message_id).scalar_subquery()).values(
            auth=auth, auth_pending=False, auth_spf="none", auth_dkim=dkim,
            auth_dmarc=result, auth_arc="none"))
        db.session.commit()


def test_images_remembered_per_sender_and_hidden_again(app, browser, live_server, client,
                                                       send_mail, tracker):
    def newsletter(address: str, pixel: str, dmarc: str = "pass") -> int:
        send_mail(address, build_eml(to=address, sender="news@shop.example", text=None,
                                     html=f'<p>Sale</p><img src="{tracker.url}/{pixel}" alt="">'),
                  sender="news@shop.example")
        (summary,) = client.get(f"/api/v1/mailboxes/{address}/messages").json["messages"]
        set_dmarc(app, summary["id"], "shop.example", dmarc)
        return open_message(browser, live_server, client, address)

    first = newsletter("n1@mayfly.test", "one.gif")
    browser.find_element(By.XPATH,
                         "//button[text()='Always show images from news@shop.example']").click()
    WebDriverWait(browser, 30).until(lambda b: "/one.gif" in tracker.hits)
    newsletter("n2@mayfly.test", "two.gif")  # the same sender: shown without asking
    WebDriverWait(browser, 30).until(lambda b: "/two.gif" in tracker.hits)
    assert "Remote images are shown for everything from news@shop.example" in browser.page_source
    browser.find_element(By.LINK_TEXT, "Hide images").click()
    WebDriverWait(browser, 30).until(lambda b: "Remote images are blocked" in b.page_source)
    browser.find_element(By.XPATH, "//a[text()='Show images']")  # offered again
    # The same From header without DMARC's pass (anyone can write it): blocked, and the
    # sender cannot be remembered from it.
    hits = len(tracker.hits)
    newsletter("forged@mayfly.test", "forged.gif", dmarc="fail")
    assert "Remote images are blocked" in browser.page_source
    assert "did not pass DMARC" in browser.page_source
    assert not browser.find_elements(By.XPATH, "//button[starts-with(text(), 'Always show')]")
    time.sleep(1)
    assert "/forged.gif" not in tracker.hits[hits:]
    browser.get(f"{live_server}/m/{first}")
    browser.find_element(By.XPATH, "//button[text()='Stop showing them for this sender']").click()
    # The choice is stored once the form's answer has drawn the page again: wait for it, or the
    # next navigation can overtake the POST.
    WebDriverWait(browser, 30).until(lambda b: b.find_elements(
        By.XPATH, "//button[text()='Always show images from news@shop.example']"))
    hits = len(tracker.hits)
    newsletter("n3@mayfly.test", "three.gif")
    assert "Remote images are blocked" in browser.page_source
    time.sleep(1)
    assert "/three.gif" not in tracker.hits[hits:]
