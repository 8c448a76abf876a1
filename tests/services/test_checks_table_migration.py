"""Migration 0017 moves each message's sender checks (verdicts, pending state, client IP and
HELO) into `message_checks` and back, on SQLite and PostgreSQL: a store at 0016 with mail in
it loses nothing on the upgrade (everything reads back through the services), keeps its
mailbox counters right through new mail, verdicts and deletes, and after a downgrade the old
columns hold every value again."""

from __future__ import annotations

import json
from datetime import datetime

import sqlalchemy as sa

from app.extensions import db
from app.models import Mailbox, Message, MessageChecks
from app.services.access import ANONYMOUS
from app.services.ingest import delivery
from app.services.mailbox_life import domains
from app.services.stored_mail import messages
from app.services.stored_mail.message_filters import Filters
from tests.factories import build_eml
from tests.migration_store import migrate, migrate_down, store_at

ADDRESS = "kept@mayfly.test"
VERDICTS = {"spf": {"result": "pass", "domain": "example.org"},
            "dkim": [{"result": "pass", "domain": "example.org", "selector": "s1"}],
            "dmarc": {"result": "pass", "domain": "example.org", "policy": "reject"},
            "arc": {"result": "none"},
            "header": "Authentication-Results: mayfly.test; spf=pass; dkim=pass; dmarc=pass"}
CLAIMED = datetime(2026, 1, 2, 3, 4, 5)
NUMBER = 2**40 + 12345  # tempmail-php's id of the checked message's attachment
# public id → the checks columns as 0016 stored them.
OLD = {
    1001: {"client_ip": "192.0.2.1", "helo": "mx.one.example", "auth_pending": False,
           "auth_claimed_at": None, "auth": VERDICTS, "auth_spf": "pass", "auth_dkim": "pass",
           "auth_dmarc": "pass", "auth_arc": "none"},
    1002: {"client_ip": "2001:db8::2", "helo": "mx.two.example", "auth_pending": True,
           "auth_claimed_at": CLAIMED, "auth": None, "auth_spf": None, "auth_dkim": None,
           "auth_dmarc": None, "auth_arc": None},
    1003: {"client_ip": None, "helo": None, "auth_pending": False, "auth_claimed_at": None,
           "auth": None, "auth_spf": None, "auth_dkim": None, "auth_dmarc": None,
           "auth_arc": None},  # delivered without a connection, never checked
}
CHECKS_COLUMNS = tuple(OLD[1001])


def fill_at_0016() -> None:
    """Three messages and an attachment with its number, in 0016's schema."""
    connection = db.session.connection()
    connection.execute(sa.text("INSERT INTO domains (name, active, kind, created_at) "
                               "VALUES ('mayfly.test', true, 'free', '2026-01-01')"))
    connection.execute(sa.text(
        "INSERT INTO mailboxes (address, local_part, domain_id, protected, created_at, "
        "used_bytes) SELECT :address, 'kept', id, false, '2026-01-01', 30 FROM domains "
        "WHERE name = 'mayfly.test'"), {"address": ADDRESS})
    insert = sa.text(
        "INSERT INTO messages (public_id, mailbox_id, received_at, subject, seen, size, "
        "envelope_from, envelope_to, from_name, from_addr, to_addrs, cc_addrs, preview, "
        "has_attachments, text_body, html_body, headers, client_ip, helo, auth_pending, "
        "auth_claimed_at, auth, auth_spf, auth_dkim, auth_dmarc, auth_arc) "
        "SELECT :public_id, id, '2026-01-01', :subject, false, 10, '', '[]', '', "
        "'sender@example.org', '[]', '[]', '', false, 'old', '', '[]', :client_ip, :helo, "
        ":auth_pending, :auth_claimed_at, :auth, :auth_spf, :auth_dkim, :auth_dmarc, :auth_arc "
        "FROM mailboxes WHERE address = :address").bindparams(
        sa.bindparam("auth", type_=sa.JSON(none_as_null=True)))
    for public_id, checks in OLD.items():
        connection.execute(insert, {"public_id": public_id, "subject": f"old {public_id}",
                                    "address": ADDRESS, **checks})
    connection.execute(sa.text(
        "INSERT INTO attachments (public_id, message_id, filename, content_type, size, inline) "
        "SELECT 'old-part', id, 'a.txt', 'text/plain', 1, false FROM messages "
        "WHERE public_id = 1001"))
    connection.execute(sa.text(
        "INSERT INTO attachment_numbers (number, attachment_id) SELECT :number, id "
        "FROM attachments WHERE public_id = 'old-part'"), {"number": NUMBER})
    db.session.commit()


def counts() -> tuple[int, int]:
    """(messages, awaiting checks) as the mailbox row holds them."""
    return tuple(db.session.execute(sa.select(Mailbox.message_count, Mailbox.pending_count)
                                    .where(Mailbox.address == ADDRESS)).one())


def old_columns(public_id: int) -> dict[str, object]:
    """The checks columns of `messages`, as a downgraded store holds them."""
    row = db.session.execute(sa.text(
        f"SELECT {', '.join(CHECKS_COLUMNS)} FROM messages WHERE public_id = :id"),  # noqa: S608
        {"id": public_id}).one()._asdict()
    return {**row, "auth_pending": bool(row["auth_pending"]),
            "auth": json.loads(row["auth"]) if isinstance(row["auth"], str) else row["auth"],
            "auth_claimed_at": _moment(row["auth_claimed_at"])}


def _moment(value: object) -> datetime | None:
    if isinstance(value, str):
        return datetime.fromisoformat(value)
    return value.replace(tzinfo=None) if isinstance(value, datetime) else None


def test_sender_checks_move_out_and_back_with_nothing_lost(tmp_path):
    with store_at("0016", tmp_path) as app:
        with app.app_context():
            fill_at_0016()
            assert counts() == (3, 1)
        migrate(app)

        with app.app_context():
            columns = {c["name"] for c in sa.inspect(db.engine).get_columns("messages")}
            assert not columns & set(CHECKS_COLUMNS)  # the messages row is slimmer
            # Through the services: verdicts, facts, pending state, filters, numbers.
            checked = messages.open_message(1001, ANONYMOUS, numbers=True).message
            assert checked.auth == VERDICTS and not checked.auth_pending
            assert (checked.checks.client_ip, checked.checks.helo) == ("192.0.2.1",
                                                                       "mx.one.example")
            assert [checked.checks.auth_spf, checked.checks.auth_dkim, checked.checks.auth_dmarc,
                    checked.checks.auth_arc] == ["pass", "pass", "pass", "none"]
            waiting = messages.open_message(1002, ANONYMOUS).message
            assert waiting.auth_pending and waiting.auth is None
            assert _moment(waiting.checks.auth_claimed_at) == CLAIMED
            assert (waiting.checks.client_ip, waiting.checks.helo) == ("2001:db8::2",
                                                                       "mx.two.example")
            assert messages.open_message(1003, ANONYMOUS).message.checks is None
            assert [messages.peek(i, ANONYMOUS).auth_pending for i in OLD] == [
                False, True, False]
            assert db.session.execute(Filters(dkim="pass").apply(
                sa.select(Message.public_id))).scalars().all() == [1001]
            opened = messages.open_message(1001, ANONYMOUS, numbers=True)
            assert list(opened.numbers.values()) == [NUMBER]
            assert messages.attachment_by_number(NUMBER, ANONYMOUS).public_id == "old-part"
            assert counts() == (3, 1)
            # An attachment stored after the upgrade gets a derived number, nothing written.
            domains.sync_configured()
            (new,) = delivery.deliver("a@example.org", [ADDRESS], build_eml(
                to=ADDRESS, attachments=[("b.txt", "text/plain", b"new")]))
            (number,) = messages.open_message(new, ANONYMOUS, numbers=True).numbers.values()
            assert number != NUMBER
            assert messages.attachment_by_number(number, ANONYMOUS).data == b"new"
            assert db.session.execute(sa.text(
                "SELECT number FROM attachment_numbers")).scalars().all() == [NUMBER]
            messages.delete_message(new, ANONYMOUS)
            assert counts() == (3, 1)

            # The counters follow the new table: new mail waits, a delete while waiting and
            # a verdict arriving each count once.
            gone, kept = (delivery.deliver("a@example.org", [ADDRESS], build_eml(to=ADDRESS))[0]
                          for _ in range(2))
            assert counts() == (5, 3)
            db.session.execute(sa.delete(Message).where(Message.public_id == gone))
            db.session.commit()
            assert counts() == (4, 2)
            assert db.session.execute(sa.select(sa.func.count()).select_from(
                MessageChecks)).scalar_one() == 3  # its checks row went with it
            db.session.execute(sa.update(MessageChecks).where(
                MessageChecks.message_id == sa.select(Message.id).where(
                    Message.public_id == kept).scalar_subquery()).values(auth_pending=False))
            db.session.commit()
            assert counts() == (4, 1)

        migrate_down(app, "0016")
        with app.app_context():
            for public_id, checks in OLD.items():
                assert old_columns(public_id) == checks
            assert old_columns(kept)["auth_pending"] is False
            assert "message_checks" not in sa.inspect(db.engine).get_table_names()
            assert "ix_messages_auth_pending" in {
                i["name"] for i in sa.inspect(db.engine).get_indexes("messages")}
            assert db.session.execute(sa.text(
                "SELECT number FROM attachment_numbers")).scalars().all() == [NUMBER]
            # 0013's triggers count pending checks from `messages` again.
            assert counts() == (4, 1)
            db.session.execute(sa.text(
                "UPDATE messages SET auth_pending = false WHERE public_id = 1002"))
            db.session.commit()
            assert counts() == (4, 0)
