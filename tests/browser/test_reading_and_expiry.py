"""Issue 14 in Chromium: links in text mail, the main-link button, local times, expiry that
says what happened, Recent without dead addresses, a skip link and announced new mail."""

from __future__ import annotations

import smtplib
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests
import sqlalchemy as sa
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from app.extensions import db
from app.models import Mailbox
from app.models.base import utcnow
from tests.browser.conftest import inbox_text
from tests.factories import build_eml

pytestmark = pytest.mark.browser


def set_expiry(app, address: str, expires: datetime) -> None:
    with app.app_context():
        db.session.execute(sa.update(Mailbox).where(Mailbox.address == address)
                           .values(expires_at=expires))
        db.session.commit()


def own_address(browser, base: str) -> str:
    browser.get(base + "/")
    return browser.find_element(By.ID, "address").text


def test_text_mail_links_the_main_link_and_copy_first(browser, live_server, send_mail):
    address = own_address(browser, live_server)
    send_mail(address, build_eml(to=address, subject="Verify", html=None, text=(
        "Your code is 482913.\nVerify: https://acme.example/verify?t=9&u=1\n"
        "Help: https://acme.example/help\n<script>document.title='owned'</script>")))
    WebDriverWait(browser, 30).until(lambda b: "Verify" in inbox_text(b))
    # The message page itself (a wide window would open it in the reading pane).
    browser.get(browser.find_element(By.CSS_SELECTOR, ".message-row a").get_attribute("href"))
    links = browser.find_elements(By.CSS_SELECTOR, "pre.mail-text a")
    assert [a.get_attribute("href") for a in links] == [
        "https://acme.example/verify?t=9&u=1", "https://acme.example/help"]
    assert {(a.get_attribute("target"), a.get_attribute("rel")) for a in links} == {
        ("_blank", "noopener noreferrer")}
    assert browser.title != "owned"  # the text's markup is shown, never run
    box = browser.find_element(By.CSS_SELECTOR, ".code-box")
    assert box.find_element(By.TAG_NAME, "output").text == "482913"
    action = box.find_element(By.CSS_SELECTOR, "a.button")
    assert action.get_attribute("href") == "https://acme.example/verify?t=9&u=1"
    # The code's Copy comes before Delete in the tab order.
    order = browser.execute_script(
        "const all = [...document.querySelectorAll('button, a[href]')];"
        "return [all.indexOf(document.querySelector('.code-box button.copy')),"
        " all.findIndex(b => b.textContent.trim() === 'Delete')];")
    assert 0 <= order[0] < order[1]


def test_times_are_the_readers_own(browser, live_server, send_mail):
    browser.execute_cdp_cmd("Emulation.setTimezoneOverride", {"timezoneId": "Asia/Tokyo"})
    address = own_address(browser, live_server)
    send_mail(address, subject="Timed")
    WebDriverWait(browser, 30).until(lambda b: "Timed" in inbox_text(b))
    shown = browser.find_element(By.CSS_SELECTOR, ".message-row time[data-local]")
    received = datetime.fromisoformat(shown.get_attribute("datetime"))
    tokyo = received.astimezone(ZoneInfo("Asia/Tokyo"))
    # The browser's locale picks 24-hour or 12-hour clocks; either way it is Tokyo's hour.
    assert tokyo.strftime("%H:%M") in shown.text or tokyo.strftime("%I:%M %p") in shown.text
    assert "Japan" in shown.get_attribute("title") or "GMT+9" in shown.get_attribute("title")


def test_long_lifetimes_count_in_days(browser, live_server, app):
    address = own_address(browser, live_server)
    set_expiry(app, address, utcnow() + timedelta(days=6, hours=23, minutes=30))
    browser.get(live_server + "/")
    WebDriverWait(browser, 30).until(lambda b: b.execute_script(
        "return document.querySelector('time.countdown').textContent") == "in 6 d 23 h")


def test_expiry_warns_then_says_what_happened(browser, live_server, app, send_mail):
    first = own_address(browser, live_server)
    send_mail(first, subject="Soon gone")
    set_expiry(app, first, utcnow() + timedelta(seconds=50))
    browser.get(live_server + "/")
    WebDriverWait(browser, 30).until(lambda b: b.execute_script(
        "return document.getElementById('expiry').classList.contains('soon')"))
    set_expiry(app, first, utcnow() + timedelta(seconds=2))  # the page keeps its deadline:
    browser.get(live_server + "/")                           # reload to see the new one
    notice = browser.find_element(By.ID, "expired-notice")
    WebDriverWait(browser, 30).until(lambda b: notice.is_displayed())
    assert "This address has expired" in notice.text
    assert not browser.find_element(By.CSS_SELECTOR, "#expiry form").is_displayed()
    # Mail for the expired address is refused while it is held, and the next visit says why
    # the address changed; Recent no longer offers the dead one.
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        send_mail(first, subject="Late")
    assert refused.value.recipients[first][0] == 550
    browser.get(live_server + "/")
    assert f"{first} has expired, with its mail." in browser.page_source
    assert own_address(browser, live_server) != first
    assert first not in browser.page_source


def test_skip_link_and_new_mail_announced(browser, live_server, send_mail):
    address = own_address(browser, live_server)
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    assert browser.execute_script("return document.activeElement.className") == "skip-link"
    browser.switch_to.active_element.send_keys(Keys.ENTER)
    assert browser.execute_script("return document.activeElement.id") == "main"
    send_mail(address, subject="Announced", sender="Acme <no-reply@acme.example>")
    WebDriverWait(browser, 30).until(lambda b: "Announced" in b.execute_script(
        "return document.getElementById('inbox-announce').textContent"))
    assert "Acme" in browser.find_element(By.ID, "inbox-announce").get_attribute("textContent")


def test_copy_buttons_hide_without_script(live_server):
    page = requests.get(live_server + "/", timeout=10).text
    assert '<button type="button" class="button primary copy" hidden data-copy-target' in page


def frame_fits(browser) -> tuple[bool, int]:
    """(the mail fits the frame's width and the frame is as tall as the mail, mail height)."""
    frame = browser.find_element(By.CSS_SELECTOR, "iframe.mail-frame")
    outer = frame.size["height"]
    browser.switch_to.frame(frame)
    try:
        width_ok, content = browser.execute_script(
            "const d = document.documentElement;"
            "return [d.scrollWidth <= d.clientWidth + 1, d.scrollHeight];")
    finally:
        browser.switch_to.default_content()
    return width_ok and abs(outer - content) <= 8, content


def test_html_mail_is_framed_at_its_height_and_fits_a_phone(browser, live_server, send_mail):
    address = own_address(browser, live_server)
    rows = "".join(f"<p>Paragraph {n} of a long newsletter.</p>" for n in range(60))
    wide = '<table width="640" style="width:640px"><tr><td>Wide cell</td></tr></table>'
    send_mail(address, build_eml(to=address, subject="Long", html=wide + rows))
    WebDriverWait(browser, 30).until(lambda b: "Long" in inbox_text(b))
    # The message page itself (a wide window would open it in the reading pane).
    browser.get(browser.find_element(By.CSS_SELECTOR, ".message-row a").get_attribute("href"))
    for width, height in ((1280, 900), (390, 844)):
        browser.set_window_size(width, height)
        # Measured anew on every try: the frame refits after the window changes size.
        WebDriverWait(browser, 30).until(lambda b: frame_fits(b)[0])
        content = frame_fits(browser)[1]
        assert content > 0.7 * height
        assert browser.execute_script(
            "return document.documentElement.scrollWidth - window.innerWidth") <= 0
    assert browser.find_element(By.LINK_TEXT, "Open in a full window").get_attribute(
        "target") == "_blank"


def test_notify_me_shows_a_desktop_notification_for_new_mail(browser, live_server, send_mail):
    address = own_address(browser, live_server)
    toggle = browser.find_element(By.ID, "notify-toggle")
    assert toggle.is_displayed() and not toggle.is_selected()  # off until asked
    browser.execute_script("""
        window.__notes = [];
        window.Notification = function (title, options) { window.__notes.push([title, options.tag]); };
        window.Notification.permission = "granted";
        window.Notification.requestPermission = function () { return Promise.resolve("granted"); };
        Object.defineProperty(document, "visibilityState", {get: function () { return "hidden"; }});
    """)
    toggle.click()
    WebDriverWait(browser, 30).until(lambda b: b.execute_script(
        "return localStorage.getItem('mayfly-notify')") == "1")
    send_mail(address, subject="Ping")
    WebDriverWait(browser, 30).until(lambda b: b.execute_script("return window.__notes.length"))
    assert browser.execute_script("return window.__notes") == [
        ["New mail: Ping", f"mayfly:{address}"]]


def test_wide_screens_read_beside_the_list_with_the_keyboard(browser, live_server, send_mail):
    browser.set_window_size(1400, 900)
    address = own_address(browser, live_server)
    send_mail(address, subject="Older one", text="First body")
    send_mail(address, subject="Newer one", text="Second body")
    WebDriverWait(browser, 30).until(
        lambda b: "Older one" in inbox_text(b) and "Newer one" in inbox_text(b))
    page = browser.current_url

    def click_subject(subject: str) -> None:
        # In one script call: htmx may replace the list between a find and a click.
        browser.execute_script(
            "[...document.querySelectorAll('#inbox-list .subject')]"
            ".find(s => s.textContent === arguments[0]).click()", subject)

    def pane() -> str:
        return browser.execute_script(
            "const p = document.getElementById('reading-pane'); return p.hidden ? '' : p.textContent")

    click_subject("Newer one")
    WebDriverWait(browser, 30).until(lambda b: "Newer one" in pane())
    assert browser.current_url == page  # read beside the list, no page change
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.ARROW_DOWN)
    WebDriverWait(browser, 30).until(lambda b: "Older one" in pane())
    selected = browser.find_elements(By.CSS_SELECTOR, ".message-row.selected .subject")
    assert [s.text for s in selected] == ["Older one"]
    browser.set_window_size(390, 844)  # a phone opens the message page itself
    click_subject("Newer one")
    WebDriverWait(browser, 30).until(lambda b: "/m/" in b.current_url)
