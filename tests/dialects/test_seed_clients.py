"""Client code written from each seed alone, pointed at a live Mayfly by changing its base URL.

Each flow picks or creates an address, receives a mail over SMTP, lists, reads, downloads the
attachment and deletes, exactly as the seed's own examples do, over real HTTP.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request

from tests.factories import build_eml

PDF = b"%PDF-1.4 seed client"




def fetch(method: str, url: str, body: object = None, headers: dict | None = None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers={
        "Accept": "application/json", **({"Content-Type": "application/json"} if data else {}),
        **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=10) as answer:
            raw = answer.read()
            return answer.status, answer.headers, raw
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def mail(send_mail, address: str) -> None:
    send_mail(address, build_eml(to=address, subject="Seed flow", text="Hello", html="<b>Hello</b>",
                                 attachments=[("report.pdf", "application/pdf", PDF)]))


def test_1secmail_client(live_server, send_mail):
    api = live_server + "/compat/1secmail/api/v1/"

    def call(**params):
        status, _, body = fetch("GET", api + "?" + urllib.parse.urlencode(params))
        return status, body

    _, body = call(action="genRandomMailbox", count=1)
    login, domain = json.loads(body)[0].split("@")
    mail(send_mail, f"{login}@{domain}")
    _, body = call(action="getMessages", login=login, domain=domain)
    message_id = json.loads(body)[0]["id"]
    _, body = call(action="readMessage", login=login, domain=domain, id=message_id)
    assert json.loads(body)["attachments"][0]["filename"] == "report.pdf"
    _, body = call(action="download", login=login, domain=domain, id=message_id,
                   file="report.pdf")
    assert body == PDF


def test_tempmail_php_client(live_server, send_mail):
    api = live_server + "/compat/tempmail-php/api.php"
    email = json.loads(fetch("GET", f"{api}/generate")[2])["email"]
    mail(send_mail, email)
    inbox = json.loads(fetch("GET", f"{api}/inbox/{urllib.parse.quote(email)}")[2])
    detail = json.loads(fetch("GET", f"{api}/email/{inbox['emails'][0]['id']}")[2])
    assert "<b>Hello</b>" in detail["email"]["body_html"]
    assert fetch("GET", live_server + detail["attachments"][0]["file_path"])[2] == PDF
    deleted = json.loads(fetch("DELETE", f"{api}/email/{inbox['emails'][0]['id']}")[2])
    assert deleted == {"success": True, "deleted_id": str(inbox["emails"][0]["id"])}


def test_tempmailg_client(live_server, send_mail, make_user, api_key_for):
    make_user("seed@example.org")
    headers = {"Authorization": f"Bearer {api_key_for('seed@example.org')}"}
    api = live_server + "/compat/tempmailg/api"
    box = json.loads(fetch("POST", f"{api}/emails", headers=headers)[2])["data"]
    mail(send_mail, box["email"])
    listing = json.loads(fetch("GET", f"{api}/messages?email={box['email']}",
                               headers=headers)[2])
    message = listing["messages"][0]
    assert json.loads(fetch("GET", f"{api}/messages/{message['id']}",
                            headers=headers)[2])["data"]["is_seen"] is True
    assert fetch("GET", message["attachments"][0]["url"], headers=headers)[2] == PDF
    status, answer_headers, _ = fetch("DELETE", f"{api}/messages/{message['id']}",
                                      headers=headers)
    assert status == 200 and int(answer_headers["X-RateLimit-Used"]) == 5
    assert json.loads(fetch("DELETE", f"{api}/emails/{box['email']}", headers=headers)[2])[
        "status"] is True


def test_tempemail_client(live_server, send_mail):
    api = live_server + "/compat/tempemail/api"
    domain = json.loads(fetch("GET", f"{api}/domains")[2])["data"][0]["domain"]
    address = f"seedclient@{domain}"
    fetch("POST", f"{api}/accounts", {"email": address, "password": "securePassword123"})
    token = json.loads(fetch("POST", f"{api}/token", {"email": address,
                                                      "password": "securePassword123"})[2])
    headers = {"Authorization": f"Bearer {token['data']['token']}"}
    mail(send_mail, address)
    items = json.loads(fetch("GET", f"{api}/messages?limit=20", headers=headers)[2])
    message_id = items["data"]["items"][0]["id"]
    detail = json.loads(fetch("GET", f"{api}/messages/{message_id}", headers=headers)[2])
    assert fetch("GET", live_server + detail["data"]["attachments"][0]["downloadUrl"],
                 headers=headers)[2] == PDF
    raw = json.loads(fetch("GET", f"{api}/messages/{message_id}/raw", headers=headers)[2])
    assert "Subject: Seed flow" in raw["data"]["raw"]
    fetch("GET", f"{api}/messages/{message_id}/read", headers=headers)
    assert json.loads(fetch("DELETE", f"{api}/messages/{message_id}",
                            headers=headers)[2])["code"] == 200


def test_developermail_client(live_server, send_mail):
    api = live_server + "/compat/developermail/api/v1"
    created = json.loads(fetch("PUT", f"{api}/mailbox")[2])["result"]
    headers = {"X-MailboxToken": created["token"]}
    mail(send_mail, f"{created['name']}@mayfly.test")
    ids = json.loads(fetch("GET", f"{api}/mailbox/{created['name']}", headers=headers)[2])
    values = json.loads(fetch("POST", f"{api}/mailbox/{created['name']}/messages", ids["result"],
                              headers)[2])
    assert "Subject: Seed flow" in values["result"][0]["value"]
    deleted = json.loads(fetch("DELETE", f"{api}/mailbox/{created['name']}/messages/"
                                         f"{ids['result'][0]}", headers=headers)[2])
    assert deleted == {"success": True, "errors": None, "result": True}
