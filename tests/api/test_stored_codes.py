"""Codes are found once, at delivery, and reads show what was stored."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.models import Message
from tests.factories import build_eml


def test_codes_found_at_delivery_are_what_reads_show(app, client, send_mail):
    send_mail("coded@mayfly.test", build_eml(to="coded@mayfly.test",
                                             subject="Your login code is 739201",
                                             text="Call us on 0800 123 4567."))
    with app.app_context():
        stored = db.session.execute(sa.select(Message.codes)).scalar_one()
        assert [c["value"] for c in stored] == ["739201"]
        # Reads never run the extractor again: change what is stored, the answer follows.
        db.session.execute(sa.update(Message).values(codes=[{"value": "STORED1",
                                                             "context": "kept"}]))
        db.session.commit()
    (summary,) = client.get("/api/v1/mailboxes/coded@mayfly.test/messages").json["messages"]
    message = client.get(f"/api/v1/messages/{summary['id']}").json
    assert message["codes"] == [{"value": "STORED1", "context": "kept"}]
    page = client.get(f"/m/{summary['id']}").get_data(as_text=True)
    assert "STORED1" in page


def test_mail_stored_before_codes_were_kept_still_shows_them(app, client, send_mail):
    send_mail("older@mayfly.test", subject="Welcome", text="Your verification code is 482913.")
    with app.app_context():
        db.session.execute(sa.update(Message).values(codes=None))
        db.session.commit()
    (summary,) = client.get("/api/v1/mailboxes/older@mayfly.test/messages").json["messages"]
    assert client.get(f"/api/v1/messages/{summary['id']}").json["codes"][0]["value"] == "482913"
