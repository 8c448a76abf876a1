"""The visitor's address survives signing up, logging in and out, and can be kept in the
account; an address that expired is held, and never kept by the wrong person."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from app.extensions import db
from app.models import Mailbox
from app.models.base import utcnow
from app.services.mailbox_life import purge
from tests.web.helpers import csrf_token, page_address, post_form
from tests.web.login import PASSWORD, log_in


def sign_up(client, email: str = "keeper@example.org"):
    return client.post("/signup", data={"csrf_token": csrf_token(client, "/signup"),
                                        "email": email, "password": PASSWORD,
                                        "confirm": PASSWORD})


def test_signing_up_and_out_keeps_the_address_and_it_can_be_kept(app, client, send_mail):
    address = page_address(client.get("/"))
    send_mail(address, subject="Before the account")
    assert sign_up(client).status_code == 303
    assert page_address(client.get("/")) == address  # not thrown away
    assert post_form(client, "/logout").status_code == 303
    assert page_address(client.get("/")) == address
    assert log_in(client, "keeper@example.org").status_code == 303
    assert page_address(client.get("/")) == address
    dashboard = client.get("/account").get_data(as_text=True)
    assert f'You were using <strong class="mono">{address}</strong>' in dashboard
    kept = post_form(client, "/account/keep")
    assert kept.status_code == 303
    assert f"{address} is now one of your mailboxes, with its mail." in client.get(
        "/account").get_data(as_text=True)
    with app.app_context():
        mailbox = db.session.execute(sa.select(Mailbox).filter_by(address=address)).scalar_one()
        assert mailbox.protected and mailbox.owner_id is not None
    # Now the owner's alone: a stranger sees an unused address, the owner the mail.
    stranger = app.test_client()
    assert "Before the account" not in stranger.get(f"/inbox/{address}").get_data(as_text=True)
    assert "Before the account" in client.get(f"/inbox/{address}").get_data(as_text=True)
    # Signed out, the browser no longer reads it: a new address, and no word of expiry.
    post_form(client, "/logout")
    home = client.get("/")
    assert page_address(home) != address
    assert "has expired, with its mail" not in home.get_data(as_text=True)

def test_an_address_taken_again_by_someone_else_is_not_kept(app, client):
    address = page_address(client.get("/"))
    with app.app_context():
        db.session.execute(sa.update(Mailbox).values(expires_at=utcnow() - timedelta(hours=1)))
        db.session.commit()
        purge.purge_expired(grace=timedelta(minutes=10))
    other = app.test_client()
    local, domain = address.split("@")
    assert post_form(other, "/address/choose", {"local": local, "domain": domain}
                     ).status_code == 303  # the address is free again, and is someone else's
    sign_up(client)
    assert "You were using" not in client.get("/account").get_data(as_text=True)
    post_form(client, "/account/keep")
    with app.app_context():
        mailbox = db.session.execute(sa.select(Mailbox).filter_by(address=address)).scalar_one()
        assert mailbox.owner_id is None and not mailbox.protected


def test_a_held_address_cannot_be_chosen(app, client):
    address = page_address(client.get("/"))
    with app.app_context():
        db.session.execute(sa.update(Mailbox).values(expires_at=utcnow() - timedelta(minutes=1)))
        db.session.commit()
    local, domain = address.split("@")
    other = app.test_client()
    refused = post_form(other, "/address/choose", {"local": local, "domain": domain})
    assert refused.status_code == 409
