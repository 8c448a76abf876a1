"""What the SMTP door hands the delivery service (one message and its envelope) and what it
gets back for it (the stored copies' public ids, or why nothing was stored)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Incoming:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    client_ip: str = ""  # who handed it over, and the name it gave: for SPF, later
    helo: str = ""


@dataclass
class Outcome:
    ids: list[int] = field(default_factory=list)
    error: Exception | None = None
