"""Every door that searches holds a query to the same limits (app.mail.search_query: 1,000
characters, 20 terms, 64 words), checked in one place before the mail is looked at: a query of
100,000 words, or one quoted phrase of them, never reaches the full-text index (FTS5's parse
time grows faster than the query: 100,000 words held a web worker for 18.8 s), and each door
refuses it in its own words. Proven by the work not done, not by the clock."""

from __future__ import annotations

import pytest

from app.mail import search_query
from app.services.mailbox_life import mailboxes
from app.services.stored_mail import owned_mail, search_index

WORDS = " ".join(f"w{n}" for n in range(100_000))  # 100,000 words
ATTACKS = {"words": WORDS, "phrase": f'"{WORDS}"'}
PHRASE = '"' + " ".join(["acme"] * (search_query.MAX_WORDS + 1)) + '"'  # short, too many words


@pytest.fixture
def owner(app, make_user, api_key_for, send_mail):
    """A user with an owned mailbox holding one message, and their API key; a public
    mailbox with one message, for the browser's search box."""
    user = make_user("searcher@example.org")
    with app.app_context():
        mailboxes.create_mailbox("searched", owner_id=user)
    send_mail("searched@mayfly.test", subject="Acme invoice", text="acme words")
    send_mail("open@mayfly.test", subject="Acme news", text="acme words")
    return api_key_for("searcher@example.org")


@pytest.fixture
def reached(monkeypatch):
    """What a search touched: the tokenizer, the full-text index, the catchers' mail."""
    touched: list[str] = []

    def spy(name, real):
        def record(*args, **kwargs):
            touched.append(name)
            return real(*args, **kwargs)
        return record

    monkeypatch.setattr(search_query, "split_words", spy("tokenizer", search_query.split_words))
    for name in ("condition", "driver"):
        monkeypatch.setattr(search_index, name, spy("index", getattr(search_index, name)))
    for name in ("page", "mark", "delete"):
        monkeypatch.setattr(owned_mail, name, spy(f"mail.{name}", getattr(owned_mail, name)))
    return touched


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _basic(key: str) -> tuple[str, str]:
    return ("anyone", key)


# Each entrance: (name, send(client, key, query) -> response, refused status, its shape).
def _native(client, key, query):
    return client.get("/api/v1/search", query_string={"q": query}, headers=_bearer(key))


def _browser(client, key, query):
    return client.get("/search", query_string={"q": query, "mailbox": "open@mayfly.test"})


def _mailpit_search(client, key, query):
    return client.get("/compat/mailpit/api/v1/search", query_string={"query": query},
                      auth=_basic(key))


def _mailpit_delete(client, key, query):
    return client.delete("/compat/mailpit/api/v1/search", query_string={"query": query},
                         auth=_basic(key))


def _mailpit_mark(client, key, query):
    return client.put("/compat/mailpit/api/v1/messages", json={"Read": True, "Search": query},
                      auth=_basic(key))


def _mailhog_search(client, key, query):
    return client.get("/compat/mailhog/api/v2/search",
                      query_string={"kind": "containing", "query": query}, auth=_basic(key))


ENTRANCES = [
    ("native", _native, 422, "application/json"),
    ("browser", _browser, 422, "text/html"),
    ("mailpit search", _mailpit_search, 400, "text/plain"),
    ("mailpit delete by search", _mailpit_delete, 400, "text/plain"),
    ("mailpit mark by search", _mailpit_mark, 400, "text/plain"),
    ("mailhog search", _mailhog_search, 400, "text/plain"),
]
IDS = [e[0] for e in ENTRANCES]


@pytest.mark.parametrize("attack", sorted(ATTACKS))
@pytest.mark.parametrize(("name", "send", "status", "shape"), ENTRANCES, ids=IDS)
def test_a_100000_word_query_is_refused_before_any_work(client, owner, reached, name, send,
                                                        status, shape, attack):
    answer = send(client, owner, ATTACKS[attack])
    assert answer.status_code == status, answer.get_data(as_text=True)[:300]
    assert answer.mimetype == shape
    text = answer.get_data(as_text=True)
    assert "at most 1000 characters" in text.replace("&#39;", "'")
    # Refused on its length: not split into words, not asked of the index, no mail touched.
    assert reached == [], reached


@pytest.mark.parametrize(("name", "send", "status", "shape"), ENTRANCES, ids=IDS)
def test_a_short_phrase_of_too_many_words_is_refused(client, owner, reached, name, send,
                                                    status, shape):
    answer = send(client, owner, PHRASE)
    assert answer.status_code == status
    assert f"at most {search_query.MAX_WORDS} words" in answer.get_data(as_text=True)
    assert "index" not in reached and not [r for r in reached if r.startswith("mail.")]


@pytest.mark.parametrize(("name", "send", "status", "shape"), ENTRANCES, ids=IDS)
def test_an_ordinary_search_still_reaches_the_index(client, owner, reached, name, send, status,
                                                    shape):
    answer = send(client, owner, "acme")
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    assert "index" in reached  # the spies see a search that is let through


def test_the_mailpit_delete_of_an_over_long_search_deleted_nothing(client, owner):
    assert _mailpit_delete(client, owner, ATTACKS["phrase"]).status_code == 400
    listed = client.get("/compat/mailpit/api/v1/messages", auth=_basic(owner)).json
    assert listed["total"] == 1


def test_terms_a_door_builds_meet_the_same_limits():
    """The one check: `parse` ends with it, and the service calls it for built terms."""
    from app.services.errors import InvalidInput
    from app.services.stored_mail import search

    with pytest.raises(InvalidInput, match="at most 1000 characters"):
        search.terms([search_query.Term("text", "x" * 1001)])
    with pytest.raises(InvalidInput, match="at most 64 words"):
        search.terms([search_query.Term("from", "a." * 65)])
    with pytest.raises(InvalidInput, match="at most 20 terms"):
        search.terms([search_query.Term("text", "a")] * 21)
    assert search.terms([search_query.Term("text", "acme")]) == [
        search_query.Term("text", "acme")]
