"""Messages the tests build, with the stdlib's EmailMessage."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid


def build_eml(*, to: str = "someone@mayfly.test", sender: str = "alice@example.org",
              subject: str = "Hello", text: str | None = "Hi there.", html: str | None = None,
              attachments: list[tuple[str, str, bytes]] = (),  # type: ignore[assignment]
              headers: dict[str, str] | None = None) -> bytes:
    """A well-formed message; attachments are (filename, content type, bytes)."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(datetime(2026, 11, 21, 10, 0, tzinfo=UTC))
    msg["Message-ID"] = make_msgid(domain="example.org")
    for name, value in (headers or {}).items():
        msg[name] = value
    if text is not None:
        msg.set_content(text)
    if html is not None:
        if text is None:
            msg.set_content(html, subtype="html")
        else:
            msg.add_alternative(html, subtype="html")
    for filename, ctype, data in attachments:
        maintype, subtype = ctype.split("/", 1)
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes(policy=SMTP)  # CRLF line ends, as on the wire
