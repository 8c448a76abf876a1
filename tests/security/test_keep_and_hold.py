"""M5: nobody takes a stranger's public inbox, with its mail, into their own account.

The attack, through the browser routes with two browsers: the attacker chooses an address,
leaves it, deletes it, a victim takes the same address (a new public mailbox, a new id) and
gets mail there, and the attacker goes back to it from Recent and presses "Keep this
address". Two guarantees stop it, each tested here on its own:

- deleting a public mailbox holds its address for EXPIRED_HOLD, like expiring does: nobody
  can choose it, take it or receive at it (550 at RCPT) meanwhile;
- the browser session remembers the ids of the mailboxes it made, not only their addresses,
  and Recent and Keep act only on a mailbox whose id this browser made (ids are never
  reused), so once the hold is over and a stranger has the address, it is not the
  attacker's to switch to or to keep.
"""

from __future__ import annotations

import smtplib
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Mailbox, Message
from app.models.base import utcnow
from app.services.mailbox_life import purge
from tests.web.helpers import csrf_token, page_address, post_form
from tests.web.login import PASSWORD

TARGET = "target@mayfly.test"


def sign_up(client, email: str):
    return client.post("/signup", data={"csrf_token": csrf_token(client, "/signup"),
                                        "email": email, "password": PASSWORD,
                                        "confirm": PASSWORD})


def choose(client, local: str = "target", domain: str = "mayfly.test"):
    return post_form(client, "/address/choose", {"local": local, "domain": domain})


def choose_leave_and_delete(client) -> None:
    """The attacker's first steps: choose the address, move on to another, delete it (the
    native API deletes any public mailbox for whoever knows the address)."""
    assert choose(client).status_code == 303
    assert page_address(client.get("/")) == TARGET
    assert post_form(client, "/address/random").status_code == 303
    assert page_address(client.get("/")) != TARGET
    assert client.delete(f"/api/v1/mailboxes/{TARGET}").status_code == 204


def let_the_hold_pass(app) -> None:
    """EXPIRED_HOLD (10 minutes here) goes by and the sidecar's purge runs."""
    with app.app_context():
        db.session.execute(sa.update(Mailbox).where(Mailbox.address == TARGET)
                           .values(expires_at=utcnow() - timedelta(minutes=11)))
        db.session.commit()
        purge.purge_expired(grace=app.config["MAYFLY"].expired_hold)
        assert db.session.execute(sa.select(Mailbox.id).filter_by(address=TARGET)
                                  ).one_or_none() is None


def target_row(app) -> tuple[int, int | None, int]:
    with app.app_context():
        mailbox = db.session.execute(sa.select(Mailbox).filter_by(address=TARGET)).scalar_one()
        mail = db.session.execute(sa.select(sa.func.count()).select_from(Message)
                                  .where(Message.mailbox_id == mailbox.id)).scalar_one()
        return mailbox.id, mailbox.owner_id, mail


def test_a_deleted_public_address_is_held_like_an_expired_one(app, send_mail):
    attacker, victim = app.test_client(), app.test_client()
    assert choose(attacker).status_code == 303
    send_mail(TARGET, subject="Before the delete")
    choose_leave_and_delete(attacker)
    # The mail went at once; the address did not come free.
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count()).select_from(Message)
                                  ).scalar_one() == 0
    refused = choose(victim)
    assert refused.status_code == 409
    assert "That address is already taken." in refused.get_data(as_text=True)
    assert victim.post("/api/v1/mailboxes", json={"local": "target"}).status_code == 409
    with pytest.raises(smtplib.SMTPRecipientsRefused) as info:
        send_mail(TARGET, subject="Into the hold")
    assert info.value.recipients[TARGET][0] == 550
    assert victim.get(f"/api/v1/mailboxes/{TARGET}").status_code == 404
    assert victim.get(f"/inbox/{TARGET}").status_code == 200  # an unused-looking address
    assert "Into the hold" not in victim.get(f"/inbox/{TARGET}").get_data(as_text=True)
    # The deleter's own browser cannot switch back into it either.
    back = post_form(attacker, "/address/switch", {"address": TARGET}, follow_redirects=True)
    assert page_address(back) != TARGET
    # After the hold the address is anyone's again, as after expiring.
    let_the_hold_pass(app)
    assert choose(victim).status_code == 303
    send_mail(TARGET, subject="After the hold")
    assert target_row(app)[2] == 1


def test_keep_from_recent_never_adopts_a_strangers_mailbox(app, send_mail):
    attacker, victim = app.test_client(), app.test_client()
    choose_leave_and_delete(attacker)
    let_the_hold_pass(app)
    # The victim takes the address: a new public mailbox, with a new id, and mail in it.
    assert choose(victim).status_code == 303
    assert page_address(victim.get("/")) == TARGET
    send_mail(TARGET, subject="Victim's reset link", text="https://bank.example/reset/s3cret")
    victim_id, owner, mail = target_row(app)
    assert (owner, mail) == (None, 1)

    # The attacker's Recent still names the address; going back to it is refused…
    switched = post_form(attacker, "/address/switch", {"address": TARGET},
                         follow_redirects=True)
    assert page_address(switched) != TARGET
    assert f"{TARGET} is no longer this browser&#39;s" in switched.get_data(as_text=True)
    assert choose(attacker).status_code == 409  # …and so is choosing it as "one's own"
    assert page_address(attacker.get("/")) != TARGET
    # …and so is keeping it, whatever the session's current address says.
    assert sign_up(attacker, "attacker@example.org").status_code == 303
    dashboard = attacker.get("/account").get_data(as_text=True)
    assert f'You were using <strong class="mono">{TARGET}</strong>' not in dashboard
    kept = post_form(attacker, "/account/keep", follow_redirects=True)
    page = kept.get_data(as_text=True)
    assert f"{TARGET} is now one of your mailboxes" not in page
    assert TARGET not in page.split('id="mailboxes-heading"', 1)[1].split("</section>", 1)[0]
    # The victim's mailbox and mail are where they were: public, nobody's, the victim's.
    assert target_row(app) == (victim_id, None, 1)
    assert page_address(victim.get("/")) == TARGET
    assert "Victim&#39;s reset link" in victim.get(f"/inbox/{TARGET}").get_data(as_text=True)


def test_keep_refuses_a_session_address_id_this_browser_did_not_make(app):
    """The session's current mailbox id alone proves nothing: Keep asks for an id among the
    mailboxes this browser made (a signed cookie holds them, so they cannot be forged)."""
    attacker, victim = app.test_client(), app.test_client()
    assert choose(victim).status_code == 303
    victim_id = target_row(app)[0]
    page_address(attacker.get("/"))
    with attacker.session_transaction() as session:  # what the old Recent switch wrote
        session["address"], session["address_id"] = TARGET, victim_id
    sign_up(attacker, "attacker@example.org")
    assert "You were using" not in attacker.get("/account").get_data(as_text=True)
    post_form(attacker, "/account/keep")
    assert target_row(app)[1] is None


def test_recent_and_keep_still_work_for_ones_own_addresses(app, send_mail):
    client = app.test_client()
    assert choose(client).status_code == 303
    send_mail(TARGET, subject="Mine")
    post_form(client, "/address/random")
    back = post_form(client, "/address/switch", {"address": TARGET}, follow_redirects=True)
    assert page_address(back) == TARGET
    assert sign_up(client, "keeper@example.org").status_code == 303
    kept = post_form(client, "/account/keep", follow_redirects=True)
    assert f"{TARGET} is now one of your mailboxes, with its mail." in kept.get_data(
        as_text=True)
    _, owner, mail = target_row(app)
    assert owner is not None and mail == 1


def test_owned_mailboxes_are_still_deleted_at_once(app, make_user):
    """The hold is for public mailboxes; an owner who deletes theirs may make it again."""
    from tests.web.login import log_in

    make_user("owner@example.org")
    client = app.test_client()
    log_in(client, "owner@example.org")
    token = csrf_token(client, "/account")
    made = client.post("/account/mailboxes", data={"csrf_token": token, "local": "mine",
                                                   "domain": "mayfly.test"})
    assert made.status_code == 303
    token = csrf_token(client, "/account")
    assert client.post("/account/mailboxes/mine@mayfly.test/delete",
                       data={"csrf_token": token}).status_code == 303
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count()).select_from(Mailbox)
                                  .where(Mailbox.address == "mine@mayfly.test")).scalar() == 0
