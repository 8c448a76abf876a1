"""Word terms of a search (text, from:, to:, subject:) as lookups in the full-text index that
migration 0009 keeps: SQLite's FTS5 table `message_search`, PostgreSQL's `search_vector`.

Both index words split at punctuation and lower-cased, so a term is the same: its words, in
order, the last one a prefix ("acm" finds acme, "no-reply@acme" finds that address). A term
of no words at all ("@@") asks nothing of the index.
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.mail.search_query import Term
from app.models import Message

WORD_FIELDS = ("text", "from", "to", "subject")
_WORD = re.compile(r"[^\W_]+")
_FTS_COLUMNS = {"from": "sender", "to": "recipients", "subject": "subject"}
_PG_WEIGHTS = {"subject": "A", "from": "B", "to": "C", "text": ""}
_FTS = sa.table("message_search", sa.column("rowid"))


def words(value: str) -> list[str]:
    return _WORD.findall(value.lower())


def condition(terms: list[Term]) -> sa.ColumnElement[bool] | None:
    """Messages matching every word term (negated ones excluded); None when none has words."""
    wanted = [t for t in terms if t.field in WORD_FIELDS and words(t.value)]
    if not wanted:
        return None
    if db.session.get_bind().dialect.name == "sqlite":
        return _sqlite(wanted)
    return _postgresql(wanted)


def _fts_phrase(term: Term) -> str:
    phrase = '"' + " ".join(words(term.value)) + '" *'  # the last word a prefix
    column = _FTS_COLUMNS.get(term.field)
    return f"{{{column}}} : {phrase}" if column else phrase


def _fts_rows(expression: str) -> sa.Select[tuple[int]]:
    match = sa.literal_column("message_search").op("MATCH")(sa.bindparam(None, expression))
    return sa.select(_FTS.c.rowid).where(match)


def _sqlite(terms: list[Term]) -> sa.ColumnElement[bool]:
    positive = [_fts_phrase(t) for t in terms if not t.negated]
    negative = [_fts_phrase(t) for t in terms if t.negated]
    clauses = []
    if positive:
        clauses.append(Message.id.in_(_fts_rows(" AND ".join(positive))))
    if negative:
        clauses.append(Message.id.not_in(_fts_rows(" OR ".join(negative))))
    return sa.and_(*clauses)


def _ts_phrase(term: Term) -> str:
    weight = _PG_WEIGHTS[term.field]
    found = words(term.value)
    lexemes = [f"'{w}'" + (f":{weight}" if weight else "") for w in found[:-1]]
    lexemes.append(f"'{found[-1]}':*{weight}")
    phrase = "(" + " <-> ".join(lexemes) + ")"
    return "!" + phrase if term.negated else phrase


def _postgresql(terms: list[Term]) -> sa.ColumnElement[bool]:
    query = " & ".join(_ts_phrase(t) for t in terms)
    vector: sa.ColumnElement[Any] = sa.literal_column("messages.search_vector")
    return vector.op("@@")(sa.func.to_tsquery(sa.literal_column("'simple'::regconfig"),
                                              sa.bindparam(None, query)))
