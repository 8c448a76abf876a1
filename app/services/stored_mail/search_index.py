"""Word terms of a search (text, from:, to:, subject:) as lookups in the full-text index that
migration 0009 keeps: SQLite's FTS5 table `message_search`, PostgreSQL's `search_vector`.

Both index words split at punctuation and lower-cased, so a term is the same: its words, in
order ("no-reply@acme.example" finds that address, "acme" finds it too). Words match whole;
a trailing * asks for a prefix ("verif*", at least three letters before it). A term of no
words at all ("@@") asks nothing of the index. On SQLite a search of a few mailboxes names
them inside the index too, so a common word costs what it matches in those mailboxes, not in
the whole store.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.mail.search_query import Term
from app.models import Message

WORD_FIELDS = ("text", "from", "to", "subject")
_WORD = re.compile(r"[^\W_]+")
_FTS_COLUMNS = {"from": "sender", "to": "recipients", "subject": "subject",
                "text": "subject sender recipients body"}
MIN_PREFIX = 3
MAX_NAMED_MAILBOXES = 100  # past this, the index is asked for the words alone
_PG_WEIGHTS = {"subject": "A", "from": "B", "to": "C", "text": ""}
_FTS = sa.table("message_search", sa.column("rowid"))


def words(value: str) -> list[str]:
    return _WORD.findall(value.lower())


def condition(terms: list[Term], mailbox_ids: list[int] | None = None, *,
              driven: bool = False) -> sa.ColumnElement[bool] | None:
    """Messages matching every word term (negated ones excluded); None when none has words.
    `mailbox_ids`, when the search is known to cover only those, narrows the lookup;
    `driven`: the positive words are already a Driver's match, only negations remain."""
    wanted = [t for t in terms if t.field in WORD_FIELDS and words(t.value)
              and (t.negated or not driven)]
    if not wanted:
        return None
    if _on_sqlite():
        return _sqlite(wanted, mailbox_ids)
    return _postgresql(wanted)


@dataclass(frozen=True)
class Driver:
    """SQLite: the index itself walks the matches newest first (rowid = messages.id), so a
    page of a common word among a million messages stops after a page, not after all."""

    table: sa.TableClause
    rowid: sa.ColumnClause[int]
    match: sa.ColumnElement[bool]


def driver(terms: list[Term], mailbox_ids: list[int] | None = None) -> Driver | None:
    """The index as the first table of a search, on SQLite when some word must match."""
    if not _on_sqlite() or not any(t.field in WORD_FIELDS and words(t.value)
                                   and not t.negated for t in terms):
        return None
    return Driver(_FTS, _FTS.c.rowid, _match(_positive(terms, mailbox_ids)))


def _on_sqlite() -> bool:
    return db.session.get_bind().dialect.name == "sqlite"


def _fts_phrase(term: Term) -> str:
    found = words(term.value)
    prefix = " *" if _prefix(term, found) else ""
    return f"{{{_FTS_COLUMNS[term.field]}}} : \"{' '.join(found)}\"{prefix}"


def _prefix(term: Term, found: list[str]) -> bool:
    return term.value.endswith("*") and len(found[-1]) >= MIN_PREFIX


def _match(expression: str) -> sa.ColumnElement[bool]:
    return sa.literal_column("message_search").op("MATCH")(sa.bindparam(None, expression))


def _fts_rows(expression: str) -> sa.Select[tuple[int]]:
    return sa.select(_FTS.c.rowid).where(_match(expression))


def _positive(terms: list[Term], mailbox_ids: list[int] | None) -> str:
    positive = [_fts_phrase(t) for t in terms
                if t.field in WORD_FIELDS and words(t.value) and not t.negated]
    scope = _mailbox_scope(mailbox_ids)
    return " AND ".join([*positive, scope] if scope else positive)


def _mailbox_scope(mailbox_ids: list[int] | None) -> str | None:
    """The index's own narrowing to a search's mailboxes, when it names few enough."""
    if mailbox_ids is None or len(mailbox_ids) > MAX_NAMED_MAILBOXES:
        return None
    return "{mailbox} : (" + (" OR ".join(f"m{int(i)}" for i in mailbox_ids) or "m0") + ")"


def _sqlite(terms: list[Term], mailbox_ids: list[int] | None) -> sa.ColumnElement[bool]:
    negative = [_fts_phrase(t) for t in terms if t.negated]
    clauses = []
    if any(not t.negated for t in terms):
        clauses.append(Message.id.in_(_fts_rows(_positive(terms, mailbox_ids))))
    if negative:
        # What to leave out is looked up in the search's mailboxes only, not the whole store.
        excluded = "(" + " OR ".join(negative) + ")"
        scope = _mailbox_scope(mailbox_ids)
        clauses.append(Message.id.not_in(_fts_rows(f"{excluded} AND {scope}" if scope
                                                   else excluded)))
    return sa.and_(*clauses)


def _ts_phrase(term: Term) -> str:
    weight = _PG_WEIGHTS[term.field]
    found = words(term.value)
    lexemes = [f"'{w}'" + (f":{weight}" if weight else "") for w in found]
    if _prefix(term, found):
        lexemes[-1] = f"'{found[-1]}':*{weight}"
    phrase = "(" + " <-> ".join(lexemes) + ")"
    return "!" + phrase if term.negated else phrase


def _postgresql(terms: list[Term]) -> sa.ColumnElement[bool]:
    query = " & ".join(_ts_phrase(t) for t in terms)
    vector: sa.ColumnElement[Any] = sa.literal_column("messages.search_vector")
    return vector.op("@@")(sa.func.to_tsquery(sa.literal_column("'simple'::regconfig"),
                                              sa.bindparam(None, query)))
