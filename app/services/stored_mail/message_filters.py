"""What a listing or a wait may ask of the messages it shows: words in the subject or the
sender, a plus-address tag, and authentication verdicts (`dkim=pass`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import sqlalchemy as sa

from app.models import Message, MessageChecks
from app.services.checks.auth_results import VERDICTS
from app.services.errors import InvalidInput

QueryT = TypeVar("QueryT", bound=sa.Select[*tuple[Any, ...]])
CHECKS = ("spf", "dkim", "dmarc", "arc")
_COLUMNS = {"spf": MessageChecks.auth_spf, "dkim": MessageChecks.auth_dkim,
            "dmarc": MessageChecks.auth_dmarc, "arc": MessageChecks.auth_arc}


@dataclass(frozen=True)
class Filters:
    subject: str | None = None
    sender: str | None = None
    tag: str | None = None
    spf: str | None = None
    dkim: str | None = None
    dmarc: str | None = None
    arc: str | None = None

    def __post_init__(self) -> None:
        for check in CHECKS:
            wanted = getattr(self, check)
            if wanted is not None and wanted not in VERDICTS:
                raise InvalidInput(f"{check} must be one of: {', '.join(VERDICTS)}.")

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> Filters:
        """From query parameters named as the fields (the sender's is `from`)."""
        def word(name: str) -> str | None:
            return (args.get(name) or "").strip().lower() or None
        return cls(subject=args.get("subject") or None, sender=args.get("from") or None,
                   tag=word("tag"), **{check: word(check) for check in CHECKS})

    @property
    def awaits_verdicts(self) -> bool:
        """Verdicts come a moment after the mail: a wait must look again, not only on news."""
        return any(getattr(self, check) for check in CHECKS)

    def apply(self, query: QueryT) -> QueryT:
        if self.subject:
            query = query.where(Message.subject.icontains(self.subject, autoescape=True))
        if self.sender:
            query = query.where(Message.from_addr.icontains(self.sender, autoescape=True)
                                | Message.from_name.icontains(self.sender, autoescape=True))
        if self.tag:
            query = query.where(Message.tag == self.tag.strip().lower())
        verdicts = [_COLUMNS[check] == wanted for check in CHECKS
                    if (wanted := getattr(self, check))]
        if verdicts:  # in the same statement: the message's checks row has them all
            query = query.where(sa.exists().where(
                MessageChecks.message_id == Message.id, *verdicts))
        return query


EVERYTHING = Filters()
