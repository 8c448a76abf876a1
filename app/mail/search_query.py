"""The search language, parsed: words and quoted phrases, with a few fields in the spirit of
Mailpit's and Gmail's.

    invoice                 the word anywhere (subject, sender, recipients, text)
    "your code is"          the phrase anywhere
    from:acme  to:me@x.test  subject:welcome
    is:read  is:unread  has:attachment  tag:signup
    after:2026-12-01  before:2026-12-31   (dates, in the caller's time zone)
    -word  -from:noreply    anything above, negated

Pure: no database here; app.services.search turns the terms into a query.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from datetime import date

FIELDS = ("from", "to", "subject", "is", "has", "tag", "after", "before")
FLAGS = {"is": ("read", "unread", "seen", "unseen"), "has": ("attachment", "attachments")}
MAX_TERMS = 20
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
    """The terms of a query; QueryError for what cannot mean anything."""
    try:
        words = shlex.split(query.replace("'", "\\'"), posix=True)
    except ValueError:
        raise QueryError("A quote is not closed.") from None
    terms = [_term(word) for word in words if word.strip("-! ")]
    if len(terms) > MAX_TERMS:
        raise QueryError(f"A query has at most {MAX_TERMS} terms.")
    return terms


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
