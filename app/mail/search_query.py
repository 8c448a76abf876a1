"""The search language, parsed: words and quoted phrases, with a few fields in the spirit of
Mailpit's and Gmail's.

    invoice                 the word anywhere (subject, sender, recipients, text)
    "your code is"          the phrase anywhere
    from:acme  to:me@x.test  subject:welcome
    is:read  is:unread  has:attachment  tag:signup
    after:2026-12-01  before:2026-12-31   (dates, in the caller's time zone)
    -word  -from:noreply    anything above, negated

Limits, the same for every door that searches (the native API, the browser, Mailpit, MailHog):
a query of at most MAX_QUERY characters, MAX_TERMS terms and MAX_WORDS words in all. `parse`
refuses an over-long text before it splits anything, and `check` (which `parse` ends with)
refuses terms a door built itself; app.services.stored_mail.search calls one or the other for every
search, so no door reaches the full-text index with more (whose parse time grows faster than
the query: 100,000 words took FTS5 18.8 s).

Pure: no database here; app.services.stored_mail.search turns the terms into a query.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

FIELDS = ("from", "to", "subject", "is", "has", "tag", "after", "before")
FLAGS = {"is": ("read", "unread", "seen", "unseen"), "has": ("attachment", "attachments")}
MAX_QUERY = 1000  # characters of the query text (of all term values, for built terms)
MAX_TERMS = 20
MAX_WORDS = 64  # words for the full-text index, in all terms together
# A word as the full-text index counts one (app.services.stored_mail.search_index).
_WORD = re.compile(r"[^\W_]+")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class QueryError(ValueError):
    """The query cannot be understood; the message says why, for the caller."""


@dataclass(frozen=True)
class Term:
    field: str  # "text" for a plain word or phrase
    value: str
    negated: bool = False

    @property
    def day(self) -> date:
        return date.fromisoformat(self.value)


def parse(query: str) -> list[Term]:
    """The terms of a query; QueryError for what cannot mean anything or is over a limit
    (the length before anything is split, then `check`)."""
    if len(query) > MAX_QUERY:
        raise QueryError(f"A query has at most {MAX_QUERY} characters.")
    return check([_term(word) for word in split_words(query) if word.strip("-! ")])


def split_words(query: str) -> list[str]:
    """The query's words, "quoted phrases" kept whole (an apostrophe is a letter); only
    `parse` calls it, after the length check."""
    try:
        return shlex.split(query.replace("'", "\\'"), posix=True)
    except ValueError:
        raise QueryError("A quote is not closed.") from None


def check(terms: Sequence[Term]) -> list[Term]:
    """The terms, when within every limit a query has (also for terms a door built without
    `parse`); QueryError otherwise."""
    if len(terms) > MAX_TERMS:
        raise QueryError(f"A query has at most {MAX_TERMS} terms.")
    if sum(len(t.value) for t in terms) > MAX_QUERY:
        raise QueryError(f"A query has at most {MAX_QUERY} characters.")
    if sum(len(_WORD.findall(t.value)) for t in terms) > MAX_WORDS:
        raise QueryError(f"A query has at most {MAX_WORDS} words.")
    return list(terms)


def _term(word: str) -> Term:
    negated = word[0] in "-!"
    if negated:
        word = word[1:]
    field, colon, value = word.partition(":")
    field = field.lower()
    if not colon or field not in FIELDS:
        return Term("text", word, negated)
    value = value.strip()
    if not value:
        raise QueryError(f"{field}: needs a value.")
    if field in FLAGS and value.lower() not in FLAGS[field]:
        raise QueryError(f"{field}: is one of {', '.join(FLAGS[field])}.")
    if field in ("after", "before") and not _DATE.match(value):
        raise QueryError(f"{field}: takes a date such as 2026-12-31.")
    if field in ("after", "before"):
        try:
            date.fromisoformat(value)
        except ValueError:
            raise QueryError(f"{value} is not a date.") from None
    return Term(field, value.lower() if field in FLAGS else value, negated)
