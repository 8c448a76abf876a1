"""A mailbox's counts live on its row, kept by the store's triggers whatever writes a message,
so reading a mailbox's state costs one row however much mail a sender put in it."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import event

from app.extensions import db
from app.models import Mailbox, Message, MessageChecks
from app.services.access import ANONYMOUS
from app.services.mailbox_life import purge
from app.services.stored_mail import inbox_actions, mailbox_states
from tests.migration_store import migrate, store_at

ADDRESS = "counted@mayfly.test"


def counted(app) -> tuple[int, int, int]:
    """(messages, unread, awaiting checks) as the mailbox row holds them."""
    with app.app_context():
        row = db.session.execute(sa.select(Mailbox.message_count, Mailbox.unread_count,
                                           Mailbox.pending_count)
                                 .where(Mailbox.address == ADDRESS)).one()
        return tuple(row)


def actual(app) -> tuple[int, int, int]:
    """The same counted over the messages themselves (and their sender checks)."""
    with app.app_context():
        mine = (sa.select(Message.seen, MessageChecks.auth_pending).join(Mailbox)
                .outerjoin(MessageChecks, MessageChecks.message_id == Message.id)
                .where(Mailbox.address == ADDRESS).subquery())
        return tuple(db.session.execute(sa.select(
            sa.func.count(), sa.func.count().filter(mine.c.seen.is_(False)),
            sa.func.count().filter(mine.c.auth_pending.is_(True)))).one())


def version(app) -> str:
    with app.app_context():
        return mailbox_states.mailbox_state(ADDRESS, ANONYMOUS).version


def test_every_write_path_keeps_the_counts(app, client, send_mail):
    seen_versions = set()
    for subject in ("one", "two", "three", "four"):
        send_mail(ADDRESS, subject=subject)
        assert counted(app) == actual(app)
        seen_versions.add(version(app))
    ids = [m["id"] for m in client.get(f"/api/v1/mailboxes/{ADDRESS}/messages").json["messages"]]
    client.patch(f"/api/v1/messages/{ids[0]}", json={"seen": True})
    assert counted(app) == actual(app) and counted(app)[1] == 3
    seen_versions.add(version(app))
    client.patch(f"/api/v1/messages/{ids[0]}", json={"seen": False})
    seen_versions.add(version(app))
    client.delete(f"/api/v1/messages/{ids[1]}")
    assert counted(app) == actual(app) and counted(app)[:2] == (3, 3)
    seen_versions.add(version(app))
    with app.app_context():
        inbox_actions.mark_all_read(ADDRESS, ANONYMOUS, through=None)
    assert counted(app) == actual(app) and counted(app)[:2] == (3, 0)
    seen_versions.add(version(app))
    with app.app_context():
        # Sender checks done for every message (as the sidecar stores its verdicts).
        db.session.execute(sa.update(MessageChecks).values(auth_pending=False))
        db.session.commit()
    assert counted(app) == actual(app) == (3, 0, 0)
    seen_versions.add(version(app))
    with app.app_context():
        purge.delete_messages_where(Message.public_id == ids[2])
    assert counted(app) == actual(app) == (2, 0, 0)
    seen_versions.add(version(app))
    # Every change above gave the list a new version, which is what its caches are keyed on.
    assert len(seen_versions) == 10


def test_reading_a_mailboxs_state_never_reads_its_mail(app, send_mail):
    for number in range(30):
        send_mail(ADDRESS, subject=f"m{number}")
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement.lower())

    with app.app_context():
        engine = db.engine
        event.listen(engine, "before_cursor_execute", record)
        try:
            state = mailbox_states.mailbox_state(ADDRESS, ANONYMOUS)
        finally:
            event.remove(engine, "before_cursor_execute", record)
    assert state.total == 30 and state.unread == 30
    assert len(seen) == 1 and "messages" not in seen[0]


def test_the_version_names_no_global_counter(app, send_mail):
    """Mail to other mailboxes leaves this one's version as it was."""
    send_mail(ADDRESS, subject="mine")
    before = version(app)
    for number in range(5):
        send_mail(f"elsewhere{number}@mayfly.test", subject="theirs")
    assert version(app) == before


def test_the_migration_counts_mail_stored_before(tmp_path):
    """A store at the previous head, with mail in it, keeps its mail and gets its counts."""
    with store_at("0012", tmp_path) as app:
        with app.app_context():
            connection = db.session.connection()
            connection.execute(sa.text(
                "INSERT INTO domains (id, name, active, kind, created_at) "
                "VALUES (1, 'mayfly.test', true, 'free', '2026-01-01')"))
            connection.execute(sa.text(
                "INSERT INTO mailboxes (id, address, local_part, domain_id, protected, "
                "created_at, used_bytes) VALUES (7, :address, 'counted', 1, false, "
                "'2026-01-01', 30)"), {"address": ADDRESS})
            # In SQL, as that schema had them: today's model has columns 0012 did not.
            for number, (seen, pending) in enumerate(
                    [(True, False), (False, True), (False, False)]):
                connection.execute(sa.text(
                    "INSERT INTO messages (public_id, mailbox_id, received_at, subject, seen, "
                    "auth_pending, size, raw, envelope_from, envelope_to, from_name, "
                    "from_addr, to_addrs, cc_addrs, preview, has_attachments, text_body, "
                    "html_body, headers) VALUES (:public_id, 7, '2026-01-01', :subject, "
                    ":seen, :pending, 10, :raw, '', '[]', '', '', '[]', '[]', '', false, '', "
                    "'', '[]')"),
                    {"public_id": 1000 + number, "subject": f"old {number}", "seen": seen,
                     "pending": pending, "raw": b"x"})
            db.session.commit()
        migrate(app)
        assert counted(app) == actual(app) == (3, 2, 1)
        with app.app_context():
            assert sorted(db.session.execute(sa.select(Message.subject)).scalars()) == [
                "old 0", "old 1", "old 2"]


def test_the_inbox_poll_is_limited_per_ip_generously(make_app):
    from app.http.limits import POLL_LIMIT

    allowed = int(POLL_LIMIT.split()[0])
    client = make_app().test_client()
    answers = [client.get(f"/inbox/{ADDRESS}/list").status_code for _ in range(allowed + 1)]
    assert 429 not in answers[:allowed] and answers[-1] == 429
