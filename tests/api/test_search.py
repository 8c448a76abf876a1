"""GET /api/v1/search over mail that came in by real SMTP: the language, the scope (never a
mailbox the caller may not read), paging, and the full-text index on both stores."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.services.mailbox_life import mailboxes
from tests.api.contract import call

SEARCH = "/search"


@pytest.fixture
def mail(app, client, make_user, api_key_for, send_mail):
    """Two users' owned mailboxes and a public one, each with mail."""
    for email in ("ana@example.org", "ben@example.org"):
        make_user(email)
    with app.app_context():
        ana = db.session.execute(sa.text("SELECT id FROM users WHERE email='ana@example.org'")
                                 ).scalar_one()
        ben = db.session.execute(sa.text("SELECT id FROM users WHERE email='ben@example.org'")
                                 ).scalar_one()
        mailboxes.create_mailbox("ana-signup", owner_id=ana)
        mailboxes.create_mailbox("ana-billing", owner_id=ana)
        mailboxes.create_mailbox("ben-signup", owner_id=ben)
    send_mail("ana-signup@mayfly.test", sender="no-reply@acme.example",
              subject="Confirm your Acme account", text="Your verification code is 482913.")
    send_mail("ana-billing@mayfly.test", sender="billing@globex.example",
              subject="Invoice 2026-11", text="Your invoice from Globex Corporation.",
              attachments=[("invoice.pdf", "application/pdf", b"%PDF-1.4")])
    send_mail("ben-signup@mayfly.test", sender="no-reply@acme.example",
              subject="Confirm your Acme account", text="Ben's secret code is 111222.")
    send_mail("open@mayfly.test", sender="news@initech.example",
              subject="Initech weekly", text="Acme and Globex news, quoted: \"TPS reports\".")
    return {"ana": {"Authorization": f"Bearer {api_key_for('ana@example.org')}"},
            "ben": {"Authorization": f"Bearer {api_key_for('ben@example.org')}"}}


def found(client, q, headers=None, **params):
    answer = call(client, "GET", SEARCH, headers=headers, query={"q": q, **params})
    assert answer.status_code == 200, answer.json
    return [(m["mailbox"], m["subject"]) for m in answer.json["messages"]]


def test_across_the_users_mailboxes_only(client, mail):
    assert found(client, "acme", mail["ana"]) == [
        ("ana-signup@mayfly.test", "Confirm your Acme account")]  # not Ben's, not public
    assert found(client, "", mail["ana"]) == [
        ("ana-billing@mayfly.test", "Invoice 2026-11"),
        ("ana-signup@mayfly.test", "Confirm your Acme account")]
    assert found(client, "111222", mail["ana"]) == []  # Ben's code stays Ben's
    assert found(client, "111222", mail["ben"]) == [
        ("ben-signup@mayfly.test", "Confirm your Acme account")]


def test_the_language(client, mail):
    ana = mail["ana"]
    assert [s for _, s in found(client, "from:globex", ana)] == ["Invoice 2026-11"]
    assert [s for _, s in found(client, "from:no-reply@acme.example", ana)] == [
        "Confirm your Acme account"]
    assert [s for _, s in found(client, "to:ana-billing", ana)] == ["Invoice 2026-11"]
    assert [s for _, s in found(client, "subject:confirm", ana)] == [
        "Confirm your Acme account"]
    assert found(client, "subject:verification", ana) == []  # only in the body
    assert found(client, "verif", ana) == []  # words match whole
    assert [s for _, s in found(client, "verif*", ana)] == ["Confirm your Acme account"]
    assert [s for _, s in found(client, '"invoice from globex"', ana)] == ["Invoice 2026-11"]
    assert found(client, '"globex from invoice"', ana) == []
    assert [s for _, s in found(client, "has:attachment", ana)] == ["Invoice 2026-11"]
    assert [s for _, s in found(client, "-acme", ana)] == ["Invoice 2026-11"]
    assert [s for _, s in found(client, "your -from:acme", ana)] == ["Invoice 2026-11"]
    assert len(found(client, "is:unread", ana)) == 2
    assert found(client, "after:2999-01-01", ana) == []


def test_one_mailbox_by_its_own_rules(client, mail):
    assert found(client, "globex", mailbox="open@mayfly.test") == [
        ("open@mayfly.test", "Initech weekly")]  # public: anyone with the address
    assert found(client, "tps reports", mail["ana"], mailbox="open@mayfly.test") == [
        ("open@mayfly.test", "Initech weekly")]
    hidden = call(client, "GET", SEARCH, query={"q": "acme", "mailbox": "ana-signup@mayfly.test"})
    assert hidden.status_code == 404  # not the caller's: as if it did not exist
    theirs = call(client, "GET", SEARCH, headers=mail["ben"],
                  query={"q": "", "mailbox": "ana-signup@mayfly.test"})
    assert theirs.status_code == 404
    everywhere = call(client, "GET", SEARCH, query={"q": "acme"})
    assert everywhere.status_code == 401  # nobody in particular searches nothing at large


def test_pages_with_a_cursor(client, mail, send_mail):
    for n in range(5):
        send_mail("ana-signup@mayfly.test", subject=f"Batch {n}", text="paged mail")
    first = call(client, "GET", SEARCH, headers=mail["ana"], query={"q": "paged", "limit": 2})
    assert [m["subject"] for m in first.json["messages"]] == ["Batch 4", "Batch 3"]
    second = call(client, "GET", SEARCH, headers=mail["ana"],
                  query={"q": "paged", "limit": 2, "cursor": first.json["next_cursor"]})
    assert [m["subject"] for m in second.json["messages"]] == ["Batch 2", "Batch 1"]
    third = call(client, "GET", SEARCH, headers=mail["ana"],
                 query={"q": "paged", "limit": 2, "cursor": second.json["next_cursor"]})
    assert [m["subject"] for m in third.json["messages"]] == ["Batch 0"]
    assert third.json["next_cursor"] is None
    bens_cursor = call(client, "GET", SEARCH, headers=mail["ben"],
                       query={"q": "", "cursor": first.json["next_cursor"]})
    assert bens_cursor.status_code == 422  # a cursor from outside the scope means nothing


def test_bad_queries_are_422(client, mail):
    for q in ('"open quote', "is:maybe", "after:tomorrow", "x" * 1001):
        answer = call(client, "GET", SEARCH, headers=mail["ana"], query={"q": q})
        assert answer.status_code == 422, q


def test_deleted_mail_leaves_the_index(app, client, mail):
    (message,) = call(client, "GET", SEARCH, headers=mail["ana"],
                      query={"q": "globex"}).json["messages"]
    assert call(client, "DELETE", "/messages/{message_id}", headers=mail["ana"],
                message_id=message["id"]).status_code == 204
    assert found(client, "globex", mail["ana"]) == []
    with app.app_context():
        if db.engine.dialect.name == "sqlite":  # the FTS5 table forgot it too
            left = db.session.execute(sa.text(
                "SELECT count(*) FROM message_search WHERE message_search MATCH 'globex'")
            ).scalar_one()
            assert left == 1  # the public Initech mail only


def test_the_index_is_used(app, mail):
    """A word is looked up in the index, not matched row by row."""
    from app.services.stored_mail import search

    with app.app_context():
        statement = sa.select(sa.literal(1)).where(search.condition("acme"))
        compiled = str(statement.compile(db.engine))
        if db.engine.dialect.name == "sqlite":
            assert "message_search MATCH" in compiled
            plan = db.session.execute(sa.text(
                "EXPLAIN QUERY PLAN SELECT rowid FROM message_search "
                "WHERE message_search MATCH 'acme'")).all()
            assert any("VIRTUAL TABLE INDEX" in str(row) for row in plan)
        else:
            assert "search_vector @@ to_tsquery" in compiled
            indexes = db.session.execute(sa.text(
                "SELECT indexdef FROM pg_indexes WHERE indexname='ix_messages_search_vector'")
            ).scalar_one()
            assert "gin (search_vector)" in indexes


def test_negated_words_are_looked_up_in_the_searched_mailboxes_only(app, client, mail):
    """-word leaves out what matches it in the searched mailboxes; the lookup of what to
    leave out is narrowed to them too, not run over every message in the store."""
    assert found(client, "confirm -ben", mailbox="ana-signup@mayfly.test",
                 headers=mail["ana"]) == [("ana-signup@mayfly.test", "Confirm your Acme account")]
    assert found(client, "-acme", mailbox="ana-signup@mayfly.test", headers=mail["ana"]) == []
    from app.mail.search_query import parse
    from app.services.stored_mail import search_index

    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            return  # PostgreSQL tests each candidate row's own vector: nothing store-wide
        condition = search_index.condition(parse("-acme"), [7])
        expressions = [value for value in condition.compile(db.engine).params.values()
                       if isinstance(value, str)]
    assert expressions and all(e.endswith(" AND {mailbox} : (m7)") for e in expressions)
