"""MailHog, Mailpit and mail.tm doors, driven by their real published clients over real HTTP
(npm `mailhog`, `mailpit-api`, `@cemalgnlts/mailjs` under Node; PyPI `pymailtm`), with mail
sent over SMTP; and two users' keys kept apart on the single-inbox doors."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import requests

from app.services.mailbox_life import mailboxes

NODE = Path(__file__).resolve().parent / "node"
ATTACHMENT = ("notes.txt", "text/plain", b"attached words")


def node(script: str, *args: str) -> dict:
    assert (NODE / "node_modules").is_dir(), "scripts/test installs the npm clients"
    done = subprocess.run(["node", str(NODE / script), *args], capture_output=True, text=True,
                          timeout=120, cwd=NODE)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture
def owners(app, make_user, api_key_for):
    """Two users, each owning mailboxes, each with a key."""
    ids = {email: make_user(email) for email in ("one@example.org", "two@example.org")}
    with app.app_context():
        for local in ("hog-one", "hog-two"):
            mailboxes.create_mailbox(local, owner_id=ids["one@example.org"])
        mailboxes.create_mailbox("other", owner_id=ids["two@example.org"])
    return {"one": api_key_for("one@example.org"), "two": api_key_for("two@example.org")}


@pytest.fixture
def catch(owners, send_mail):
    send_mail("hog-one@mayfly.test", subject="Plain one", text="nothing special")
    send_mail("hog-two@mayfly.test", subject="Invoice", sender="billing@example.org")
    send_mail("hog-one@mayfly.test", subject="Needle in here", text="a needle, found")
    send_mail("hog-one@mayfly.test", subject="With a file", text="See the file.",
              html="<p>See the <b>file</b>.</p>", attachments=[ATTACHMENT])
    send_mail("other@mayfly.test", subject="Theirs", text="needle of someone else")
    return owners


def test_mailhog_client_flow(live_server, catch):
    out = node("mailhog_flow.mjs", f"{live_server}/compat/mailhog/api", catch["one"])
    assert (out["total"], out["count"]) == (4, 4)
    assert out["subjects"] == ["With a file", "Needle in here", "Invoice", "Plain one"]
    assert out["text"] == "See the file." and out["html"] == "<p>See the <b>file</b>.</p>"
    assert out["attachments"] == [{"name": "notes.txt", "type": "text/plain",
                                   "body": "attached words"}]
    assert out["rawHasSubject"] and out["envelopeFrom"] == "alice@example.org"
    assert out["latestFrom"] == "Invoice" and out["latestTo"] == "Invoice"
    assert out["latestContaining"] == "Needle in here"
    assert out["searchCount"] == 0
    assert (out["pageCount"], out["pageSubject"]) == (1, "Needle in here")
    assert (out["afterDeleteOne"], out["afterDeleteAll"]) == (3, 0)
    # The other user's mail was outside the first user's inbox, so it is still there.
    theirs = requests.get(f"{live_server}/compat/mailhog/api/v2/messages",
                          auth=("x", catch["two"]), timeout=10).json()
    assert [m["Content"]["Headers"]["Subject"] for m in theirs["items"]] == [["Theirs"]]


def test_mailpit_client_flow(live_server, catch):
    out = node("mailpit_flow.mjs", f"{live_server}/compat/mailpit", catch["one"])
    assert (out["total"], out["unread"], out["messagesCount"]) == (4, 4, 4)
    assert out["subjects"] == ["With a file", "Needle in here", "Invoice", "Plain one"]
    assert out["attachmentCounts"] == [1, 0, 0, 0]
    assert out["searchCount"] == 1
    assert out["text"] == "See the file." and out["html"] == "<p>See the <b>file</b>.</p>"
    assert out["from"] == {"Name": "", "Address": "alice@example.org"}
    (file,) = out["files"]
    assert (file["name"], file["type"], file["size"]) == ("notes.txt", "text/plain", 14)
    assert file["sha256"] == __import__("hashlib").sha256(ATTACHMENT[2]).hexdigest()
    assert out["fileBody"] == "attached words"
    assert out["headersSubject"] == ["With a file"] and out["rawHasSubject"]
    assert out["latestSubject"] == "With a file" and out["viewText"] == "See the file."
    assert out["unreadAfterOpen"] == 3
    assert (out["unreadAfterAllRead"], out["unreadAfterOneUnread"]) == (0, 1)
    assert out["waitedSubject"] == "Invoice"
    assert (out["afterDeleteOne"], out["afterDeleteSearch"], out["afterDeleteAll"]) == (3, 2, 0)
    assert out["htmlCheck"] == "501"
    theirs = requests.get(f"{live_server}/compat/mailpit/api/v1/messages",
                          auth=("x", catch["two"]), timeout=10).json()
    assert [m["Subject"] for m in theirs["messages"]] == ["Theirs"]


def _first_id(base: str, key: str) -> str:
    listing = requests.get(f"{base}/api/v1/messages", auth=("x", key), timeout=10).json()
    return listing["messages"][0]["ID"]


def test_single_inbox_doors_keep_users_apart(live_server, catch):
    mailpit, hog = f"{live_server}/compat/mailpit", f"{live_server}/compat/mailhog/api"
    theirs = _first_id(mailpit, catch["two"])
    mine = _first_id(mailpit, catch["one"])
    one = ("x", catch["one"])
    assert requests.get(f"{mailpit}/api/v1/message/{theirs}", auth=one, timeout=10
                        ).status_code == 404
    assert requests.get(f"{mailpit}/api/v1/message/{mine}/part/x", auth=one, timeout=10
                        ).status_code == 404
    assert requests.delete(f"{hog}/v1/messages/{theirs}", auth=one, timeout=10
                           ).status_code == 404
    requests.put(f"{mailpit}/api/v1/messages", auth=one, timeout=10,
                 json={"IDs": [theirs], "Read": True})
    requests.delete(f"{mailpit}/api/v1/messages", auth=one, timeout=10, json={"IDs": [theirs]})
    requests.delete(f"{mailpit}/api/v1/search", auth=one, timeout=10,
                    params={"query": "needle"})
    after = requests.get(f"{mailpit}/api/v1/messages", auth=("x", catch["two"]),
                         timeout=10).json()
    assert (after["total"], after["unread"]) == (1, 1)  # untouched by the other user
    for url in (f"{hog}/v2/messages", f"{mailpit}/api/v1/messages"):
        refused = requests.get(url, timeout=10)
        assert refused.status_code == 401 and "Basic" in refused.headers["WWW-Authenticate"]
        assert requests.get(url, auth=("x", "mf_wrong_key"), timeout=10).status_code == 401


def test_an_admin_scope_key_sees_every_mailbox(app, live_server, catch, make_user,
                                               api_key_for):
    from app.services.accounts import api_keys, users

    make_user("root@example.org", admin=True)
    with app.app_context():
        key = api_keys.create_key(users.find_by_email("root@example.org"), "all",
                                  admin_scope=True).secret
    listing = requests.get(f"{live_server}/compat/mailpit/api/v1/messages", auth=("x", key),
                           timeout=10).json()
    assert listing["total"] == 5
    # The same admin's ordinary key reaches only the admin's own mail (none here).
    ordinary = requests.get(f"{live_server}/compat/mailpit/api/v1/messages",
                            auth=("x", api_key_for("root@example.org")), timeout=10).json()
    assert ordinary["total"] == 0


def test_mailjs_account_life_cycle(live_server, send_mail):
    base = f"{live_server}/compat/mailtm"
    made = node("mailjs_flow.mjs", base, "register", "js-user@mayfly.test", "s3cret-pass")
    assert made["domains"] == ["mayfly.test", "other.test"]
    assert (made["registered"], made["again"], made["wrongLogin"], made["login"]) == (
        201, 422, 401, 200)
    assert made["me"] == "js-user@mayfly.test" and made["token"]
    send_mail("js-user@mayfly.test", subject="Plain one")
    send_mail("js-user@mayfly.test", subject="With a file", text="See the file.",
              html="<p>See the <b>file</b>.</p>", attachments=[ATTACHMENT])
    out = node("mailjs_flow.mjs", base, "read", "js-user@mayfly.test", "s3cret-pass")
    assert out["subjects"] == ["With a file", "Plain one"]
    assert out["text"] == "See the file." and out["html"] == ["<p>See the <b>file</b>.</p>"]
    assert out["attachments"] == ["notes.txt"]
    assert (out["seenBefore"], out["seen"], out["seenAfter"]) == (False, 200, True)
    assert out["sourceHasSubject"]
    assert (out["deleted"], out["left"], out["missing"]) == (204, 1, 404)
    assert (out["deletedAccount"], out["afterDelete"]) == (204, 401)


def test_pymailtm_account_life_cycle(live_server, send_mail, monkeypatch, tmp_path):
    from pymailtm import pymailtm

    # The published client's only configuration points: where its API is, where it saves.
    monkeypatch.setattr(pymailtm.MailTm, "api_address", f"{live_server}/compat/mailtm")
    monkeypatch.setattr(pymailtm.MailTm, "db_file", str(tmp_path / "pymailtm.json"))
    # Its 2 s nap before each message read is left alone (not ours to patch): slower, not flaky.
    account = pymailtm.MailTm().get_account(password="pymailtm-pass")
    assert account.address.endswith(("@mayfly.test", "@other.test"))
    send_mail(account.address, subject="For pymailtm", text="Hello from SMTP.")
    (message,) = account.get_messages()
    assert (message.subject, message.text.strip()) == ("For pymailtm", "Hello from SMTP.")
    assert message.from_["address"] == "alice@example.org"
    assert account.delete_account() is True
    assert requests.post(f"{live_server}/compat/mailtm/token", timeout=10, json={
        "address": account.address, "password": "pymailtm-pass"}).status_code == 401
