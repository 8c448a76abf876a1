"""Password guesses on a mailbox account count against one limit, however the address is
written (`a@x`, `<a@x>`, `<<a@x>>`, ` A@X `: the lookup reads them all as a@x, so the limit
does too) and whichever door they come through (mail.tm and tempemail open the same
accounts): 5 per 15 minutes from one client, 100 an hour from anywhere."""

from __future__ import annotations

import itertools

import pytest

from app.mail import addresses

PASSWORD = "securePassword123"
FORMS = ["me@mayfly.test", "<me@mayfly.test>", "<<me@mayfly.test>>", " ME@MAYFLY.TEST ",
         "< Me@Mayfly.Test >", "\t<<ME@mayfly.test>>\n"]


def _tempemail(client, address, password, headers=None):
    return client.post("/compat/tempemail/api/token", headers=headers,
                       json={"email": address, "password": password})


def _mailtm(client, address, password, headers=None):
    return client.post("/compat/mailtm/token", headers=headers,
                       json={"address": address, "password": password})


@pytest.fixture
def account(client):
    made = client.post("/compat/tempemail/api/accounts",
                       json={"email": "me@mayfly.test", "password": PASSWORD})
    assert made.status_code == 200, made.json


@pytest.mark.parametrize("door", [_tempemail, _mailtm], ids=["tempemail", "mailtm"])
def test_every_spelling_of_the_address_opens_the_same_account(client, account, door):
    for form in FORMS[:4]:
        assert door(client, form, PASSWORD).status_code == 200, form


def test_guesses_spread_over_spellings_and_doors_count_against_one_limit(client, account):
    attempts = itertools.cycle(itertools.product(FORMS, [_tempemail, _mailtm]))
    statuses = []
    for n in range(24):
        form, door = next(attempts)
        statuses.append(door(client, form, f"guess-{n}").status_code)
    assert statuses[:5] == [401] * 5, statuses  # five password checks from this client
    assert set(statuses[5:]) == {429}, statuses
    for door in (_tempemail, _mailtm):  # even the right password waits now
        refused = door(client, "<ME@mayfly.test>", PASSWORD)
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0


def test_the_limit_from_anywhere_holds_across_spellings(make_app, app):
    """100 guesses an hour in all, from any number of clients, however the address is
    written (the app behind one proxy, so X-Forwarded-For names each client)."""
    from app.services.mailbox_life import domains

    proxied = make_app(proxy_count=1)
    with proxied.app_context():
        domains.sync_configured()
    client = proxied.test_client()
    assert client.post("/compat/tempemail/api/accounts", json={
        "email": "me@mayfly.test", "password": PASSWORD}).status_code == 200
    forms = itertools.cycle(FORMS[:4])
    statuses = []
    for source in range(26):  # 4 guesses from each of 26 clients: 104, under 5 per client
        headers = {"X-Forwarded-For": f"198.51.100.{source + 1}"}
        for n in range(4):
            door = _mailtm if n % 2 else _tempemail
            statuses.append(door(client, next(forms), f"guess-{source}-{n}",
                                 headers).status_code)
    assert statuses[:100] == [401] * 100
    assert set(statuses[100:]) == {429}, statuses[100:]


@pytest.mark.parametrize("written", [*FORMS, "<me@mayfly.test", "me@mayfly.test>>",
                                     "\u00a0<me@mayfly.test>\u2003"])
def test_one_normal_form(written):
    assert addresses.normalize(written) == "me@mayfly.test"
    assert addresses.normalize(addresses.normalize(written)) == "me@mayfly.test"


def test_normalizing_a_huge_address_costs_one_pass():
    written = "< " * 200_000 + "me@mayfly.test" + " >" * 200_000
    assert addresses.normalize(written) == "me@mayfly.test"
