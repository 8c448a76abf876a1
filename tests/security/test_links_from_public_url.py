"""Every absolute link Mayfly writes starts with PUBLIC_URL, whatever host a request names
(the mailed links: tests/accounts/test_password_reset.py and test_auth.py)."""

from __future__ import annotations

import pytest

from tests.factories import build_eml

BASE = "/compat/tempmailg/api"
PUBLIC = "https://mail.example.com"


@pytest.mark.parametrize(("proxy_count", "headers"), [
    (0, {"Host": "attacker.example"}),
    (1, {"Host": "attacker.example", "X-Forwarded-Host": "attacker.example",
         "X-Forwarded-Port": "8443", "X-Forwarded-Prefix": "/attacker"}),
])
def test_attachment_urls_start_with_public_url(make_app, make_user, api_key_for, send_mail,
                                               proxy_count, headers):
    """tempmailg's attachment URLs were built from the request's host."""
    make_user("dev@example.org")
    app = make_app(public_url=PUBLIC, proxy_count=proxy_count)
    client = app.test_client()
    sent = {**headers, "Authorization": f"Bearer {api_key_for('dev@example.org')}"}
    address = client.post(f"{BASE}/emails", headers=sent).json["data"]["email"]
    send_mail(address, build_eml(to=address, text="t",
                                 attachments=[("file.txt", "text/plain", b"x" * 9)]))
    (message,) = client.get(f"{BASE}/messages", query_string={"email": address},
                            headers=sent).json["messages"]
    (attachment,) = message["attachments"]
    assert attachment["url"] == (f"{PUBLIC}{BASE}/messages/{message['id']}/attachments/"
                                 "file.txt")
