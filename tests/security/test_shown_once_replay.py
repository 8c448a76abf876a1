"""A new API key or webhook secret is shown once, and only once: a copy of the session cookie
made before the page that shows it, replayed afterwards (within its 15 minutes, by another
client, on another process), shows nothing. Outside review: L2."""

from __future__ import annotations

import re
import threading
from dataclasses import replace

import pytest
import requests
import sqlalchemy as sa

from app.extensions import db
from app.models import ShownOnceTaken
from app.web import shown_once
from tests.web.helpers import csrf_token
from tests.web.login import log_in

KEY = re.compile(r'<output id="new-key" class="mono key">([^<]+)</output>')
SECRET = re.compile(r'<output id="new-secret" class="mono key">([^<]+)</output>')


@pytest.fixture
def settings(settings):
    return replace(settings, webhooks_allow_private=True)  # a loopback webhook URL is fine


def replay(app, cookie: str):
    """A second browser that holds only a copy of the session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    return thief


def create_key(client, name: str = "CI runner") -> str:
    """Create a key on the dashboard; the session cookie as it left the POST (what a copy
    made before the page that shows the key would hold)."""
    response = client.post("/account/keys", data={"csrf_token": csrf_token(client, "/account"),
                                                  "name": name})
    assert response.status_code == 303
    return client.get_cookie("session").value


def test_a_replayed_cookie_never_shows_the_key_again(app, client, make_user):
    make_user("dev@example.org")
    log_in(client, "dev@example.org")
    copied = create_key(client)
    page = client.get("/account").get_data(as_text=True)
    (secret,) = KEY.findall(page)
    assert secret.startswith("mf_")

    stolen = replay(app, copied).get("/account")
    assert stolen.status_code == 200
    html = stolen.get_data(as_text=True)
    assert "CI runner" in html  # the copy still signs in: it is the page, not the key
    assert 'id="new-key"' not in html and secret not in html
    assert secret.split("_", 1)[1][:12] not in html
    # Nor a second replay, nor the owner's own reload.
    assert secret not in replay(app, copied).get("/account").get_data(as_text=True)
    assert secret not in client.get("/account").get_data(as_text=True)


def test_a_replayed_cookie_never_shows_the_webhook_secret_again(app, client, make_user):
    make_user("hooks@example.org")
    log_in(client, "hooks@example.org")
    response = client.post("/account/webhooks", data={
        "csrf_token": csrf_token(client, "/account"), "url": "http://127.0.0.1:9/hook",
        "mailbox": "all my mailboxes"})
    assert response.status_code == 303
    copied = client.get_cookie("session").value
    (secret,) = SECRET.findall(client.get("/account").get_data(as_text=True))
    html = replay(app, copied).get("/account").get_data(as_text=True)
    assert 'id="new-secret"' not in html and secret not in html


def test_the_first_to_take_it_is_the_only_one(app, client, make_user):
    """Whoever takes first (here the copy) sees it; the owner's page then shows nothing."""
    make_user("dev@example.org")
    log_in(client, "dev@example.org")
    copied = create_key(client)
    (secret,) = KEY.findall(replay(app, copied).get("/account").get_data(as_text=True))
    assert secret not in client.get("/account").get_data(as_text=True)


def test_parallel_replays_over_http_show_it_once(app, client, make_user, live_server):
    """Eight copies of the cookie at once, on a threaded server: exactly one page has it."""
    make_user("dev@example.org")
    log_in(client, "dev@example.org")
    copied = create_key(client)
    pages: list[str] = []
    start = threading.Barrier(8)

    def fetch() -> None:
        start.wait()
        answer = requests.get(f"{live_server}/account", cookies={"session": copied},
                              timeout=60)
        assert answer.status_code == 200
        pages.append(answer.text)

    threads = [threading.Thread(target=fetch) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(pages) == 8
    assert sum(bool(KEY.search(page)) for page in pages) == 1


def test_taken_marks_expire_with_their_stash(app, client, make_user, monkeypatch):
    """Marks are not kept forever: past the stash's age (and a margin) the next take purges
    them. The stash itself is unreadable by then, so a replay still shows nothing."""
    make_user("dev@example.org")
    log_in(client, "dev@example.org")
    start = shown_once.now()
    monkeypatch.setattr(shown_once, "now", lambda: start)
    copied = create_key(client, "first")
    assert KEY.search(client.get("/account").get_data(as_text=True))
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count()).select_from(ShownOnceTaken)
                                  ).scalar_one() == 1

    later = start + shown_once.MAX_AGE_SECONDS + shown_once.MARK_MARGIN_SECONDS + 1
    monkeypatch.setattr(shown_once, "now", lambda: later)
    assert not KEY.search(replay(app, copied).get("/account").get_data(as_text=True))
    create_key(client, "second")
    assert KEY.search(client.get("/account").get_data(as_text=True))
    with app.app_context():
        marks = db.session.execute(sa.select(ShownOnceTaken.expires_at)).scalars().all()
    assert marks == [later + shown_once.MAX_AGE_SECONDS + shown_once.MARK_MARGIN_SECONDS]
