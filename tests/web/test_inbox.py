"""The browser inbox through the test client: address, polling, opening any address."""

from __future__ import annotations

import re

import pytest

from tests.web.helpers import csrf_token, page_address, post_form


def test_home_gives_an_address_kept_across_reloads(client):
    first = client.get("/")
    assert first.status_code == 200
    address = page_address(first)
    assert address.endswith("@mayfly.test")
    assert page_address(client.get("/")) == address
    assert "Waiting for mail" in first.get_data(as_text=True)


def test_each_visitor_gets_their_own_address(app):
    assert page_address(app.test_client().get("/")) != page_address(app.test_client().get("/"))


def test_new_random_address_and_switch_back(client):
    old = page_address(client.get("/"))
    response = post_form(client, "/address/random", follow_redirects=True)
    new = page_address(response)
    assert new != old
    assert f'<option value="{old}">' in response.get_data(as_text=True)
    back = post_form(client, "/address/switch", {"address": old}, follow_redirects=True)
    assert page_address(back) == old


def test_switch_ignores_addresses_not_in_the_session(client):
    mine = page_address(client.get("/"))
    response = post_form(client, "/address/switch", {"address": "someone@mayfly.test"},
                         follow_redirects=True)
    assert page_address(response) == mine


def test_choose_address(client):
    response = post_form(client, "/address/choose", {"local": "My.Name", "domain": "other.test"},
                         follow_redirects=True)
    assert page_address(response) == "my.name@other.test"


def test_choose_refusals_are_explained(client, app):
    reserved = post_form(client, "/address/choose", {"local": "postmaster"})
    assert reserved.status_code == 422
    assert "That address is reserved." in reserved.get_data(as_text=True)
    invalid = post_form(client, "/address/choose", {"local": "no spaces"})
    assert invalid.status_code == 422
    assert "The name before the @ can use 1 to 64 letters" in invalid.get_data(as_text=True)
    post_form(client, "/address/choose", {"local": "taken", "domain": "other.test"})
    stranger = app.test_client()
    taken = post_form(stranger, "/address/choose", {"local": "taken", "domain": "other.test"})
    assert taken.status_code == 409
    page = taken.get_data(as_text=True)
    assert "That address is already taken." in page
    # It is public: the refusal offers to open it, and the chosen domain stays chosen.
    assert '<a href="/inbox/taken@other.test">open taken@other.test</a>' in page
    assert '<option value="other.test" selected>' in page


def test_choosing_ones_own_address_switches_to_it(client):
    post_form(client, "/address/choose", {"local": "first", "domain": "mayfly.test"})
    post_form(client, "/address/choose", {"local": "second", "domain": "mayfly.test"})
    again = post_form(client, "/address/choose", {"local": "first", "domain": "mayfly.test"},
                      follow_redirects=True)
    assert page_address(again) == "first@mayfly.test"


def test_forms_without_csrf_token_are_refused(client):
    client.get("/")
    response = client.post("/address/random")
    assert response.status_code == 400
    assert "Mayfly" in response.get_data(as_text=True)


def test_extend_by_htmx_returns_the_expiry_fragment(client):
    address = page_address(client.get("/"))
    token = csrf_token(client)
    response = client.post(f"/inbox/{address}/extend",
                           headers={"HX-Request": "true", "X-CSRFToken": token})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="expiry"')
    assert "<html" not in body
    plain = client.post(f"/inbox/{address}/extend", data={"csrf_token": token})
    assert plain.status_code == 303


def test_polling_answers_204_while_nothing_changed(client, send_mail):
    address = page_address(client.get("/"))
    page = client.get("/").get_data(as_text=True)
    poll_url = re.search(r'hx-get="([^"]+/list[^"]*)"', page).group(1).replace("&amp;", "&")
    assert client.get(poll_url).status_code == 204
    send_mail(address, subject="Fresh <b>news</b>")
    fragment = client.get(poll_url)
    assert fragment.status_code == 200
    html = fragment.get_data(as_text=True)
    assert "Fresh &lt;b&gt;news&lt;/b&gt;" in html
    assert f"<title>(1) {address} · Mayfly</title>" in html
    new_poll = re.search(r'hx-get="([^"]+/list[^"]*)"', html).group(1).replace("&amp;", "&")
    assert new_poll != poll_url
    assert client.get(new_poll).status_code == 204


def test_page_title_counts_unread(client, send_mail):
    address = page_address(client.get("/"))
    send_mail(address)
    send_mail(address)
    assert f"<title>(2) {address} · Mayfly</title>" in client.get("/").get_data(as_text=True)


def test_open_any_public_address(client, send_mail):
    send_mail("shared@mayfly.test", subject="For everyone")
    response = client.get("/inbox/shared@mayfly.test")
    assert response.status_code == 200
    assert "For everyone" in response.get_data(as_text=True)


def test_unused_address_shows_an_empty_waiting_inbox(client):
    response = client.get("/inbox/nobody-yet@mayfly.test")
    assert response.status_code == 200
    assert "Waiting for mail" in response.get_data(as_text=True)


def test_reserved_and_foreign_addresses_are_not_shown(client, send_mail):
    send_mail("postmaster@mayfly.test", subject="Admin only")
    for address in ("postmaster@mayfly.test", "x@elsewhere.example", "not-an-address"):
        response = client.get(f"/inbox/{address}")
        assert response.status_code == 404
        assert "Admin only" not in response.get_data(as_text=True)
    assert client.get("/inbox/postmaster@mayfly.test/list").status_code == 404


def test_protected_mailbox_looks_empty_until_unlocked(client, send_mail):
    created = client.post("/api/v1/mailboxes", json={"local": "vault", "protected": True}).json
    send_mail("vault@mayfly.test", subject="Secret stuff")
    locked = client.get("/inbox/vault@mayfly.test").get_data(as_text=True)
    assert "Secret stuff" not in locked
    assert "Open it with its token" in locked
    # Exactly what an unused address shows, so existence does not leak.
    assert "Waiting for mail" in locked
    wrong = post_form(client, "/inbox/vault@mayfly.test/unlock", {"token": "mbx_wrong"})
    assert wrong.status_code == 403
    opened = post_form(client, "/inbox/vault@mayfly.test/unlock", {"token": created["token"]},
                       follow_redirects=True)
    assert "Secret stuff" in opened.get_data(as_text=True)


def test_no_javascript_fallback_refresh_link(client):
    assert '<a class="refresh" href="/">Refresh</a>' in client.get("/").get_data(as_text=True)


def test_mark_all_read_and_delete_all(client, send_mail, app):
    address = page_address(client.get("/"))
    for n in range(3):
        send_mail(address, subject=f"n{n}")
    send_mail("bystander@mayfly.test", subject="not touched")
    read = post_form(client, f"/inbox/{address}/read-all", follow_redirects=True)
    assert "3 messages marked read." in read.get_data(as_text=True)
    listing = client.get(f"/api/v1/mailboxes/{address}/messages").json["messages"]
    assert [m["seen"] for m in listing] == [True, True, True]
    gone = post_form(client, f"/inbox/{address}/delete-all", follow_redirects=True)
    assert "3 messages deleted." in gone.get_data(as_text=True)
    assert client.get(f"/api/v1/mailboxes/{address}/messages").json["messages"] == []
    assert client.get(f"/api/v1/mailboxes/{address}").json["used_bytes"] == 0
    assert len(client.get("/api/v1/mailboxes/bystander@mayfly.test/messages")
               .json["messages"]) == 1


def test_delete_all_of_a_mailbox_one_may_not_read_is_404(client, make_user, api_key_for):
    make_user("owner@example.org")
    key = api_key_for("owner@example.org")
    client.post("/api/v1/mailboxes", json={"local": "private"},
                headers={"Authorization": f"Bearer {key}"})
    refused = post_form(client, "/inbox/private@mayfly.test/delete-all")
    assert refused.status_code == 404


def test_mark_all_read_and_delete_all_leave_mail_that_came_after_the_page(client, send_mail):
    address = page_address(client.get("/"))
    send_mail(address, subject="shown")
    page = client.get(f"/inbox/{address}").get_data(as_text=True)
    (through,) = set(re.findall(r'name="through" value="(\d+)"', page))
    send_mail(address, subject="arrived after the page")
    read = post_form(client, f"/inbox/{address}/read-all", {"through": through},
                     follow_redirects=True)
    assert "1 message marked read." in read.get_data(as_text=True)
    gone = post_form(client, f"/inbox/{address}/delete-all", {"through": through},
                     follow_redirects=True)
    assert "1 message deleted." in gone.get_data(as_text=True)
    (left,) = client.get(f"/api/v1/mailboxes/{address}/messages").json["messages"]
    assert (left["subject"], left["seen"]) == ("arrived after the page", False)


@pytest.mark.parametrize("through", ["abc", "-1", "1e3", str(10**30)])
def test_a_bad_through_is_400_and_changes_nothing(client, send_mail, through):
    address = page_address(client.get("/"))
    send_mail(address, subject="kept")
    for action in ("read-all", "delete-all"):
        assert post_form(client, f"/inbox/{address}/{action}",
                         {"through": through}).status_code == 400
    (left,) = client.get(f"/api/v1/mailboxes/{address}/messages").json["messages"]
    assert (left["subject"], left["seen"]) == ("kept", False)
