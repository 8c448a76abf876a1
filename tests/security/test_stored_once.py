"""A message to many mailboxes stores its bytes once (finding H2): every copy's rows point at
one blob for the raw source and one per attachment, each read back byte for byte; the bytes
stay while any copy names them and go with the last, whatever deletes it. Bounds are bytes
and row counts, never time."""

from __future__ import annotations

import os
from datetime import timedelta

import sqlalchemy as sa

from app.extensions import db
from app.models import Attachment, Blob, Mailbox, Message
from app.models.base import utcnow
from app.services.mailbox_life import purge
from tests.factories import build_eml
from tests.migration_store import migrate, migrate_down, store_at

ADDRESSES = [f"copy{n}@mayfly.test" for n in range(5)]  # the test settings allow 5
# Bigger than one read chunk (blobs.CHUNK, 256 KiB), so reads span several chunks.
PAYLOAD = os.urandom(300 * 1024)


def send_shared(send_mail, addresses=ADDRESSES, subject="shared") -> bytes:
    raw = build_eml(to=addresses[0], subject=subject, text="One message, many mailboxes.",
                    attachments=[("payload.bin", "application/octet-stream", PAYLOAD)])
    assert send_mail(addresses, raw) == {}
    return raw


def stored(app) -> tuple[int, int]:
    """(blob rows, bytes in them)."""
    with app.app_context():
        return tuple(db.session.execute(sa.select(
            sa.func.count(Blob.id), sa.func.coalesce(sa.func.sum(sa.func.length(Blob.data)), 0))
        ).one())


def assert_refs_exact(app) -> None:
    """Every blob's count is the rows pointing at it, and none is kept with no row."""
    with app.app_context():
        pointing = {}
        for model in (Message, Attachment):
            for blob_id, n in db.session.execute(
                    sa.select(model.blob_id, sa.func.count()).where(model.blob_id.is_not(None))
                    .group_by(model.blob_id)).all():
                pointing[blob_id] = pointing.get(blob_id, 0) + n
        refs = dict(db.session.execute(sa.select(Blob.id, Blob.refs)).all())
        assert refs == pointing


def copies(client, addresses=ADDRESSES) -> list[dict]:
    found = []
    for address in addresses:
        (summary,) = client.get(f"/api/v1/mailboxes/{address}/messages").json["messages"]
        found.append(client.get(f"/api/v1/messages/{summary['id']}").json)
    return found


def download(client, path: str) -> bytes:
    answer = client.get(path)
    assert answer.status_code == 200
    data = answer.get_data()  # streamed in chunks: read whole before the next request
    answer.close()
    return data


def read_back(client, message: dict) -> tuple[bytes, bytes]:
    (attachment,) = message["attachments"]
    return (download(client, f"/api/v1/messages/{message['id']}/raw"),
            download(client, f"/api/v1/messages/{message['id']}/attachments/{attachment['id']}"))


def test_a_message_to_five_mailboxes_stores_its_bytes_once(app, client, send_mail):
    send_shared(send_mail)
    found = copies(client)
    size = found[0]["size"]
    assert {m["size"] for m in found} == {size}
    # One blob for the raw source and one for the attachment: not five of each.
    assert stored(app) == (2, size + len(PAYLOAD))
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count(sa.distinct(Message.blob_id)))
                                  ).scalar_one() == 1
        assert db.session.execute(sa.select(sa.func.count(Attachment.id))).scalar_one() == 5
        # Attachment rows stay per copy: five different public ids.
        assert len(set(db.session.execute(sa.select(Attachment.public_id)).scalars())) == 5
    assert_refs_exact(app)
    sources = set()
    attachment_ids = set()
    for message in found:
        raw, data = read_back(client, message)
        assert len(raw) == size and data == PAYLOAD
        sources.add(raw)
        attachment_ids.add(message["attachments"][0]["id"])
    assert len(sources) == 1 and len(attachment_ids) == 5


def test_the_bytes_stay_with_any_copy_and_go_with_the_last(app, client, send_mail):
    send_shared(send_mail)
    found = copies(client)
    size = found[0]["size"]
    expected_raw, _ = read_back(client, found[0])
    for message in found[:4]:
        assert client.delete(f"/api/v1/messages/{message['id']}").status_code == 204
        assert stored(app) == (2, size + len(PAYLOAD))
        assert_refs_exact(app)
    assert read_back(client, found[4]) == (expected_raw, PAYLOAD)
    assert client.delete(f"/api/v1/messages/{found[4]['id']}").status_code == 204
    assert stored(app) == (0, 0)


def test_every_way_of_deleting_mail_frees_the_bytes_with_the_last_copy(app, client, send_mail):
    send_shared(send_mail)
    other = send_shared(send_mail, ["solo@mayfly.test"], subject="unrelated")
    solo_bytes = len(other) + len(PAYLOAD)
    size = copies(client)[0]["size"]
    shared_bytes = size + len(PAYLOAD)
    assert stored(app) == (4, shared_bytes + solo_bytes)
    # The purge of an expired mailbox.
    with app.app_context():
        db.session.execute(sa.update(Mailbox).where(Mailbox.address == ADDRESSES[0])
                           .values(expires_at=utcnow() - timedelta(minutes=1)))
        db.session.commit()
        assert purge.purge_expired() == 1
    assert stored(app) == (4, shared_bytes + solo_bytes)
    assert_refs_exact(app)
    # Deleting a mailbox (the door's way).
    assert client.delete(f"/api/v1/mailboxes/{ADDRESSES[1]}").status_code == 204
    assert stored(app) == (4, shared_bytes + solo_bytes)
    # Delete-all of a mailbox, and a delete by condition.
    with app.app_context():
        mailbox_id = db.session.execute(sa.select(Mailbox.id).where(
            Mailbox.address == ADDRESSES[2])).scalar_one()
        assert purge.delete_messages_where(Message.mailbox_id == mailbox_id) == 1
    assert stored(app) == (4, shared_bytes + solo_bytes)
    assert_refs_exact(app)
    # ON DELETE CASCADE alone, from the mailbox row.
    with app.app_context():
        db.session.execute(sa.delete(Mailbox).where(Mailbox.address == ADDRESSES[3]))
        db.session.commit()
    assert stored(app) == (4, shared_bytes + solo_bytes)
    assert_refs_exact(app)
    # The last copy goes with its expired mailbox: so do its bytes; the other mail's stay.
    with app.app_context():
        db.session.execute(sa.update(Mailbox).where(Mailbox.address == ADDRESSES[4])
                           .values(expires_at=utcnow() - timedelta(minutes=1)))
        db.session.commit()
        assert purge.purge_expired() >= 1
    assert stored(app) == (2, solo_bytes)
    assert_refs_exact(app)
    (solo,) = copies(client, ["solo@mayfly.test"])
    assert read_back(client, solo) == (other, PAYLOAD)


def test_the_migration_moves_stored_bytes_and_keeps_search_and_counts(tmp_path):
    """A store at 0015 with mail in it: after the upgrade every message and attachment reads
    back the same from blobs, the search and counter triggers still work (the messages table
    was not rebuilt), and a downgrade puts the bytes back."""
    from app.services.ingest import delivery
    from app.services.mailbox_life import domains
    from app.services.stored_mail import blobs, search

    old = [b"From: a@example.org\r\nSubject: old one\r\n\r\nfirst\r\n",
           b"From: b@example.org\r\nSubject: old two\r\n\r\n" + bytes(range(256)) * 2000]
    with store_at("0015", tmp_path) as app:
        with app.app_context():
            connection = db.session.connection()
            # The domain's id from its sequence: the configured domains are added after it.
            connection.execute(sa.text("INSERT INTO domains (name, active, kind, created_at) "
                                       "VALUES ('mayfly.test', true, 'free', '2026-01-01')"))
            connection.execute(sa.text(
                "INSERT INTO mailboxes (id, address, local_part, domain_id, protected, "
                "created_at, used_bytes) SELECT 7, 'old@mayfly.test', 'old', id, false, "
                "'2026-01-01', 0 FROM domains WHERE name = 'mayfly.test'"))
            for number, raw in enumerate(old):
                connection.execute(sa.text(
                    "INSERT INTO messages (public_id, mailbox_id, received_at, subject, seen, "
                    "auth_pending, size, raw, envelope_from, envelope_to, from_name, "
                    "from_addr, to_addrs, cc_addrs, preview, has_attachments, text_body, "
                    "html_body, headers) VALUES (:public_id, 7, '2026-01-01', :subject, false, "
                    "false, :size, :raw, '', '[]', '', '', '[]', '[]', '', true, '', '', '[]')"),
                    {"public_id": 1000 + number, "subject": f"old {number}", "size": len(raw),
                     "raw": raw})
            message_ids = db.session.execute(sa.text(
                "SELECT id FROM messages ORDER BY public_id")).scalars().all()
            for number, message_id in enumerate(message_ids):
                connection.execute(sa.text(
                    "INSERT INTO attachments (public_id, message_id, filename, content_type, "
                    "size, inline, data) VALUES (:public_id, :message_id, 'a.bin', "
                    "'application/octet-stream', :size, false, :data)"),
                    {"public_id": f"att{number}", "message_id": message_id,
                     "size": len(PAYLOAD) - number, "data": PAYLOAD[number:]})
            db.session.commit()
        migrate(app)

        with app.app_context():
            for number, raw in enumerate(old):
                message = db.session.execute(sa.select(Message).where(
                    Message.public_id == 1000 + number)).scalar_one()
                assert b"".join(blobs.raw_chunks(message)) == raw
                (attachment,) = message.attachments
                assert b"".join(blobs.attachment_chunks(attachment)) == PAYLOAD[number:]
                assert attachment.data == PAYLOAD[number:] and message.raw == raw
            # The old columns are empty now: each byte is stored once.
            assert db.session.execute(sa.text(
                "SELECT count(*) FROM messages WHERE raw IS NOT NULL")).scalar_one() == 0
            assert db.session.execute(sa.text(
                "SELECT count(*) FROM attachments WHERE data IS NOT NULL")).scalar_one() == 0
            assert_refs_exact(app)
            # Mail after the upgrade: stored, searchable, counted.
            domains.sync_configured()
            delivery.deliver("c@example.org", ["old@mayfly.test"], build_eml(
                to="old@mayfly.test", subject="zanzibar arrives",
                attachments=[("b.bin", "application/octet-stream", b"new bytes")]))
            assert db.session.execute(sa.select(Message.subject).where(
                search.condition("zanzibar"))).scalars().all() == ["zanzibar arrives"]
            assert db.session.execute(sa.select(Mailbox.message_count, Mailbox.unread_count)
                                      .where(Mailbox.id == 7)).one() == (3, 3)
            assert_refs_exact(app)
            # A copy deleted after the upgrade: uncounted, unindexed, its bytes gone.
            purge.delete_messages_where(Message.public_id == 1000)
            assert db.session.execute(sa.select(Mailbox.message_count).where(
                Mailbox.id == 7)).scalar_one() == 2
            assert db.session.execute(sa.select(sa.func.count(Blob.id))).scalar_one() == 4
            assert_refs_exact(app)

        migrate_down(app, "0015")
        with app.app_context():
            assert db.session.execute(sa.text(
                "SELECT raw FROM messages WHERE public_id = 1001")).scalar_one() == old[1]
            assert sorted(len(d) for d in db.session.execute(sa.text(
                "SELECT data FROM attachments")).scalars()) == [len(b"new bytes"),
                                                               len(PAYLOAD) - 1]
            assert "blobs" not in sa.inspect(db.engine).get_table_names()
