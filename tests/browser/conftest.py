"""A live Mayfly (werkzeug server + real SMTP) and Debian's headless Chromium driving it."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from app.config import Settings
from tests.conftest import free_port

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
SCREENSHOTS = Path(__file__).parent / "screenshots"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # A one-second poll keeps the "appears without reload" test short.
    return replace(settings, poll_interval=timedelta(seconds=1))




class Tracker:
    """An HTTP server standing in for every remote host a mail names; it counts requests."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        hits = self.hits

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                hits.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "image/gif")
                self.end_headers()
                self.wfile.write(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;")

            do_POST = do_GET

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"


@pytest.fixture
def tracker() -> Iterator[Tracker]:
    tracker = Tracker()
    thread = threading.Thread(target=tracker.server.serve_forever, daemon=True)
    thread.start()
    yield tracker
    tracker.server.shutdown()
    thread.join()


@pytest.fixture
def downloads(tmp_path: Path) -> Path:
    path = tmp_path / "downloads"
    path.mkdir()
    return path


@pytest.fixture
def browser(tmp_path: Path, downloads: Path) -> Iterator[webdriver.Chrome]:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update",
                "--no-first-run", "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}",
                "--window-size=1280,900"):
        options.add_argument(arg)
    options.add_experimental_option("prefs", {
        "download.default_directory": str(downloads), "download.prompt_for_download": False})
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.set_page_load_timeout(20)
    yield driver
    driver.quit()


@pytest.fixture
def screenshot(browser: webdriver.Chrome):
    SCREENSHOTS.mkdir(exist_ok=True)

    def take(name: str, width: int, height: int) -> Path:
        browser.set_window_size(width, height)
        path = SCREENSHOTS / f"{name}-{width}.png"
        browser.save_screenshot(str(path))
        return path

    return take


def inbox_text(browser: webdriver.Chrome) -> str:
    """The message list's text, read in one script call: htmx may swap the element between
    a find and a read, which would make a found element stale."""
    return browser.execute_script(
        "const list = document.getElementById('inbox-list'); return list ? list.innerText : '';")
