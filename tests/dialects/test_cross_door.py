"""One store, several doors: what each door may see of the same message, and deletes."""

from __future__ import annotations

ONESEC = "/compat/1secmail/api/v1/"
PHP = "/compat/tempmail-php/api.php"
DEVMAIL = "/compat/developermail/api/v1"


def onesec_list(client, login, domain="mayfly.test"):
    return client.get(ONESEC, query_string={"action": "getMessages", "login": login,
                                            "domain": domain}).json


def test_public_message_is_the_same_message_through_every_door(client, send_mail):
    send_mail("shared@mayfly.test", subject="Seen everywhere")
    (via_onesec,) = onesec_list(client, "shared")
    (via_php,) = client.get(f"{PHP}/inbox/shared@mayfly.test").json["emails"]
    (via_api,) = client.get("/api/v1/mailboxes/shared@mayfly.test/messages").json["messages"]
    assert via_onesec["id"] == via_php["id"] == via_api["id"]
    assert "Seen everywhere" in client.get("/inbox/shared@mayfly.test").get_data(as_text=True)


def test_delete_through_one_door_deletes_everywhere(client, send_mail):
    send_mail("gone@mayfly.test")
    send_mail("gone@mayfly.test")
    first, second = (m["id"] for m in onesec_list(client, "gone"))
    assert client.delete(f"{PHP}/email/{first}").status_code == 200
    assert [m["id"] for m in onesec_list(client, "gone")] == [second]
    assert client.delete(f"/api/v1/messages/{second}").status_code == 204
    assert onesec_list(client, "gone") == []
    assert client.get(f"{PHP}/inbox/gone@mayfly.test").json["total"] == 0
    assert client.get(f"/m/{second}").status_code == 404


def test_token_mailbox_is_seen_only_with_its_token(client, send_mail):
    created = client.put(f"{DEVMAIL}/mailbox").json["result"]
    name, token = created["name"], created["token"]
    send_mail(f"{name}@mayfly.test", subject="Only with the token")
    assert onesec_list(client, name) == []
    assert client.get(f"{PHP}/inbox/{name}@mayfly.test").status_code == 404
    assert client.get(f"/api/v1/mailboxes/{name}@mayfly.test/messages").status_code == 404
    assert "Only with the token" not in client.get(
        f"/inbox/{name}@mayfly.test").get_data(as_text=True)
    ids = client.get(f"{DEVMAIL}/mailbox/{name}", headers={"X-MailboxToken": token}).json
    assert len(ids["result"]) == 1
    # The same token opens it through the native API too: it is the mailbox's own token.
    listing = client.get(f"/api/v1/mailboxes/{name}@mayfly.test/messages",
                         headers={"Authorization": f"Bearer {token}"})
    assert [m["subject"] for m in listing.json["messages"]] == ["Only with the token"]


def test_owned_mailbox_is_invisible_to_public_doors(client, make_user, api_key_for, send_mail):
    make_user("dev@example.org")
    key = {"Authorization": f"Bearer {api_key_for('dev@example.org')}"}
    box = client.post("/compat/tempmailg/api/emails", headers=key).json["data"]
    local = box["email"].split("@")[0]
    send_mail(box["email"])
    assert onesec_list(client, local) == []
    assert client.get(f"{PHP}/inbox/{box['email']}").status_code == 404
    assert len(client.get("/compat/tempmailg/api/messages", query_string={
        "email": box["email"]}, headers=key).json["messages"]) == 1


def test_reserved_mailbox_is_shown_by_no_door(client, send_mail):
    send_mail("postmaster@mayfly.test", subject="For admins")
    assert client.get(ONESEC, query_string={"action": "getMessages", "login": "postmaster",
                                            "domain": "mayfly.test"}).status_code == 403
    assert client.get(f"{PHP}/inbox/postmaster@mayfly.test").status_code == 404
    assert client.get("/api/v1/mailboxes/postmaster@mayfly.test/messages").status_code == 404
    assert client.get("/inbox/postmaster@mayfly.test").status_code == 404
