"""What two or more dialects share: time formats, raw source as text, the public principal."""

from __future__ import annotations

from datetime import UTC, datetime

from app.services import domains
from app.services.access import Principal

# Public doors (1secmail, tempmail-php) never see a protected mailbox, token or not.
PUBLIC = Principal(public_door=True)


def sql_time(moment: datetime | None) -> str | None:
    """'2026-11-21 10:00:00', UTC."""
    return None if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def iso_time(moment: datetime | None) -> str | None:
    """'2026-11-21T10:00:00+00:00'."""
    return None if moment is None else moment.astimezone(UTC).isoformat(timespec="seconds")


def raw_text(raw: bytes) -> str:
    """The raw message as a JSON string, byte for byte: UTF-8 when it is valid UTF-8 (nearly
    all mail), else Latin-1, whose code points are the bytes themselves."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def public_domains() -> list[str]:
    """Active domains of the free type: the ones public doors offer."""
    return [d.name for d in domains.list_active() if d.kind == "free"]
