"""Build a well-formed message: Date, Message-ID, UTF-8 subject encoded per RFC 2047."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid


def compose(*, sender: str, to: str, subject: str, body: str, html: bool = False,
            now: datetime | None = None) -> bytes:
    """The raw bytes, CRLF line ends, as if it had arrived over SMTP."""
    message = EmailMessage(policy=SMTP)
    message["From"] = sender
    message["To"] = to
    # A subject is one line: line breaks a caller sent become spaces (a header cannot hold
    # them); the SMTP policy encodes non-ASCII as RFC 2047 words.
    message["Subject"] = " ".join(subject.splitlines())
    message["Date"] = format_datetime(now or datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message["MIME-Version"] = "1.0"
    message.set_content(body, subtype="html" if html else "plain", charset="utf-8")
    return message.as_bytes()
