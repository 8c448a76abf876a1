"""Kept answers: ETags with 304, a fresh answer whenever what it shows changed, and never an
answer kept for one caller given to another who may not see it."""

from __future__ import annotations

API = "/api/v1"


def test_list_etag_and_304_until_the_mailbox_changes(client, send_mail):
    send_mail("etag@mayfly.test", subject="first")
    url = f"{API}/mailboxes/etag@mayfly.test/messages"
    first = client.get(url)
    etag = first.headers["ETag"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    send_mail("etag@mayfly.test", subject="second")
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert [m["subject"] for m in changed.json["messages"]] == ["second", "first"]
    newest = changed.json["messages"][0]["id"]
    client.patch(f"{API}/messages/{newest}", json={"seen": True})
    flags = client.get(url).json["messages"]
    assert [m["seen"] for m in flags] == [True, False]
    # Read one, unread the other: the counts are the same, the list is not.
    client.patch(f"{API}/messages/{newest}", json={"seen": False})
    client.patch(f"{API}/messages/{flags[1]['id']}", json={"seen": True})
    assert [m["seen"] for m in client.get(url).json["messages"]] == [False, True]


def test_message_answer_follows_its_read_flag(client, send_mail):
    send_mail("flag@mayfly.test")
    (summary,) = client.get(f"{API}/mailboxes/flag@mayfly.test/messages").json["messages"]
    url = f"{API}/messages/{summary['id']}"
    assert client.get(url).json["seen"] is False
    client.patch(url, json={"seen": True})
    assert client.get(url).json["seen"] is True
    assert client.get(url, headers={"If-None-Match": client.get(url).headers["ETag"]}
                      ).status_code == 304
    client.delete(url)
    assert client.get(url).status_code == 404


def test_a_kept_answer_is_never_given_to_someone_who_may_not_see_it(client, send_mail):
    created = client.post(f"{API}/mailboxes", json={"protected": True}).json
    send_mail(created["address"], subject="for the token holder")
    auth = {"Authorization": f"Bearer {created['token']}"}
    listing = client.get(f"{API}/mailboxes/{created['address']}/messages", headers=auth)
    message_id = listing.json["messages"][0]["id"]
    assert client.get(f"{API}/messages/{message_id}", headers=auth).status_code == 200
    # The same URLs without the token: the kept answers stay kept.
    assert client.get(f"{API}/mailboxes/{created['address']}/messages").status_code == 404
    assert client.get(f"{API}/messages/{message_id}").status_code == 404
    assert client.get(f"{API}/messages/{message_id}",
                      headers={"If-None-Match": listing.headers["ETag"]}).status_code == 404
    assert client.get("/compat/tempmail-php/api.php/email/" + str(message_id)).status_code == 404
    onesec = client.get("/compat/1secmail/api/v1/", query_string={
        "action": "readMessage", "login": created["address"].split("@")[0],
        "domain": "mayfly.test", "id": message_id})
    assert onesec.status_code == 404
