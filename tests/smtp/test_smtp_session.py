"""SMTP end to end over a real socket with smtplib: what is accepted, refused and stored."""

from __future__ import annotations

import smtplib
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from app.extensions import db
from app.models import Mailbox, Message
from app.models.base import utcnow
from app.services.ingest import delivery
from app.smtp.server import build_controller
from tests.conftest import free_port
from tests.factories import build_eml


def stored(app, address: str) -> list[Message]:
    with app.app_context():
        return list(db.session.execute(
            sa.select(Message).join(Mailbox).where(Mailbox.address == address)
        ).scalars().all())


def test_ehlo_advertises_size_8bitmime_smtputf8(smtp_server, app):
    with smtplib.SMTP(smtp_server.hostname, smtp_server.port) as smtp:
        code, banner = smtp.ehlo("client.example")
    assert code == 250
    assert banner.startswith(b"mayfly.test")
    assert smtp.has_extn("8bitmime")
    assert smtp.has_extn("smtputf8")
    assert smtp.esmtp_features["size"] == str(app.config["MAYFLY"].max_message_size)


def test_accepts_any_local_part_and_commits_before_250(send_mail, app):
    refused = send_mail("brand-new@mayfly.test", subject="Welcome")
    assert refused == {}
    # sendmail has returned, so the 250 came: the row must already be there.
    (message,) = stored(app, "brand-new@mayfly.test")
    assert message.subject == "Welcome"
    with app.app_context():
        mailbox = db.session.execute(
            sa.select(Mailbox).filter_by(address="brand-new@mayfly.test")).scalar_one()
        assert mailbox.protected is False
        assert mailbox.expires_at is not None
        assert mailbox.expires_at > utcnow()


def test_recipient_address_is_case_insensitive(send_mail, app):
    send_mail("MiXeD@Mayfly.Test")
    assert len(stored(app, "mixed@mayfly.test")) == 1


def test_unknown_domain_refused_at_rcpt(send_mail, app):
    with pytest.raises(smtplib.SMTPRecipientsRefused) as info:
        send_mail("x@elsewhere.example")
    code, _ = info.value.recipients["x@elsewhere.example"]
    assert code == 550
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count()).select_from(Message)).scalar() == 0


def test_one_message_to_three_mailboxes_stores_three_copies(send_mail, app):
    rcpts = ["a@mayfly.test", "b@mayfly.test", "c@other.test"]
    send_mail(rcpts, build_eml(to="a@mayfly.test", subject="Team"))
    copies = [stored(app, r) for r in rcpts]
    assert [len(c) for c in copies] == [1, 1, 1]
    assert len({c[0].public_id for c in copies}) == 3


def test_mixed_recipients_store_only_for_accepted(send_mail, app):
    refused = send_mail(["ok@mayfly.test", "no@elsewhere.example"])
    assert list(refused) == ["no@elsewhere.example"]
    assert len(stored(app, "ok@mayfly.test")) == 1


def test_recipient_cap(smtp_server, app):
    cap = app.config["MAYFLY"].smtp_max_recipients
    with smtplib.SMTP(smtp_server.hostname, smtp_server.port) as smtp:
        smtp.ehlo()
        smtp.mail("a@example.org")
        for i in range(cap):
            assert smtp.rcpt(f"r{i}@mayfly.test")[0] == 250
        assert smtp.rcpt("one-too-many@mayfly.test")[0] == 452


def test_oversize_refused_with_552_and_nothing_stored(make_app, app):
    small = make_app(max_message_size=2000)
    controller = build_controller(small, small.config["MAYFLY"], "127.0.0.1", free_port())
    controller.start()
    try:
        with smtplib.SMTP(controller.hostname, controller.port) as smtp:
            with pytest.raises(smtplib.SMTPSenderRefused) as declared:
                smtp.sendmail("a@example.org", ["big@mayfly.test"], b"x" * 10,
                              mail_options=["SIZE=5000"])
            assert declared.value.smtp_code == 552
            smtp.rset()
            # A client that declares no SIZE is stopped when the data passes the limit.
            assert smtp.mail("a@example.org")[0] == 250
            assert smtp.rcpt("big@mayfly.test")[0] == 250
            code, _ = smtp.data(build_eml(text="y" * 3000))
            assert code == 552
    finally:
        controller.stop()
    assert stored(app, "big@mayfly.test") == []


def test_long_lines_up_to_the_limit_are_accepted(send_mail, app):
    line = "z" * 20_000  # well past RFC 5321's 1,000 octets, as real HTML mail can be
    raw = b"From: a@example.org\r\nSubject: long\r\n\r\n" + line.encode() + b"\r\n"
    send_mail("long@mayfly.test", raw)
    (message,) = stored(app, "long@mayfly.test")
    with app.app_context():
        assert db.session.get(Message, message.id).text_body.strip() == line


def test_line_past_the_limit_refused_with_500(smtp_server, app):
    limit = app.config["MAYFLY"].smtp_max_line_length
    raw = b"Subject: too long\r\n\r\n" + b"q" * (limit + 10) + b"\r\n"
    with (smtplib.SMTP(smtp_server.hostname, smtp_server.port) as smtp,
          pytest.raises(smtplib.SMTPDataError) as info):
        smtp.sendmail("a@example.org", ["toolong@mayfly.test"], raw)
    assert info.value.smtp_code == 500
    assert stored(app, "toolong@mayfly.test") == []


def test_smtputf8_address_and_8bit_body(smtp_server, app):
    raw = "From: zoë@example.org\r\nSubject: Grüße\r\n\r\nnaïve\r\n".encode()
    with smtplib.SMTP(smtp_server.hostname, smtp_server.port) as smtp:
        smtp.sendmail("zoë@example.org", ["jürgen@mayfly.test"], raw,
                      mail_options=["SMTPUTF8", "BODY=8BITMIME"])
    (message,) = stored(app, "jürgen@mayfly.test")
    assert message.subject == "Grüße"


def test_bare_lf_message_is_stored_and_parsed(send_mail, app):
    raw = b"From: a@example.org\nSubject: bare\nX-Two: 2\n\nline one\nline two\n"
    send_mail("bare@mayfly.test", raw)
    (message,) = stored(app, "bare@mayfly.test")
    assert message.subject == "bare"
    with app.app_context():
        assert ["X-Two", "2"] in db.session.get(Message, message.id).headers


def test_malformed_message_stored_with_raw_bytes(send_mail, app):
    raw = (b"Content-Type: multipart/mixed; boundary=B\r\nSubject: =?utf-8?b?!!?=\r\n\r\n"
           b"--B\r\nContent-Transfer-Encoding: base64\r\n\r\n@@@notbase64\r\n")
    send_mail("broken@mayfly.test", raw)
    (message,) = stored(app, "broken@mayfly.test")
    with app.app_context():
        assert db.session.get(Message, message.id).raw == raw


def test_expired_mailbox_refused_at_rcpt(send_mail, app):
    send_mail("old@mayfly.test")
    with app.app_context():
        mailbox = db.session.execute(
            sa.select(Mailbox).filter_by(address="old@mayfly.test")).scalar_one()
        mailbox.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    with pytest.raises(smtplib.SMTPRecipientsRefused) as info:
        send_mail("old@mayfly.test")
    assert info.value.recipients["old@mayfly.test"][0] == 550


def test_full_mailbox_refused_at_rcpt_and_overflow_at_data(make_app, app):
    first, big, last = (build_eml(text=t) for t in ("a" * 1500, "b" * 1500, "c" * 600))
    tight = make_app(mailbox_quota=len(first) + len(last))
    controller = build_controller(tight, tight.config["MAYFLY"], "127.0.0.1", free_port())
    controller.start()
    try:
        with smtplib.SMTP(controller.hostname, controller.port) as smtp:
            smtp.sendmail("a@example.org", ["full@mayfly.test"], first)
            with pytest.raises(smtplib.SMTPDataError) as overflow:
                smtp.sendmail("a@example.org", ["full@mayfly.test"], big)
            assert overflow.value.smtp_code == 552
            smtp.sendmail("a@example.org", ["full@mayfly.test"], last)  # exactly fills it
            with pytest.raises(smtplib.SMTPRecipientsRefused) as full:
                smtp.sendmail("a@example.org", ["full@mayfly.test"], build_eml(text="d"))
            assert full.value.recipients["full@mayfly.test"][0] == 452
    finally:
        controller.stop()
    assert len(stored(app, "full@mayfly.test")) == 2


def test_store_failure_answers_451_never_250(send_mail, app, monkeypatch):
    def broken(*args, **kwargs):
        raise OperationalError("INSERT", {}, Exception("database is locked"))

    monkeypatch.setattr(delivery, "_store", broken)
    with pytest.raises(smtplib.SMTPDataError) as info:
        send_mail("retry@mayfly.test")
    assert info.value.smtp_code == 451
    monkeypatch.undo()
    assert stored(app, "retry@mayfly.test") == []


def test_reserved_address_accepted_but_kept_protected(send_mail, app):
    send_mail("postmaster@mayfly.test")
    (message,) = stored(app, "postmaster@mayfly.test")
    with app.app_context():
        mailbox = db.session.get(Mailbox, message.mailbox_id)
        assert mailbox.protected is True
        assert mailbox.expires_at is None


def test_drain_refuses_new_transactions(smtp_server):
    with smtplib.SMTP(smtp_server.hostname, smtp_server.port) as smtp:
        smtp.ehlo()
        smtp_server.drain(timeout=1)
        code, _ = smtp.mail("a@example.org")
    assert code == 421
    # The listener is closed on the server's own loop, soon after drain returns: wait for it.
    deadline = time.monotonic() + 30
    while True:
        try:
            smtplib.SMTP(smtp_server.hostname, smtp_server.port, timeout=30).close()
        except ConnectionRefusedError:
            break
        except (smtplib.SMTPException, OSError):
            pass  # let in before the close, then turned away
        assert time.monotonic() < deadline, "still accepting connections after the drain"
        time.sleep(0.05)
