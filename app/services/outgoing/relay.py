"""Mail Mayfly itself sends (password resets), through the operator's relay, SMTP_RELAY_URL.

smtplib (the standard library's SMTP client) does the talking; this module only reads the
URL: smtp://host:port, smtps:// for TLS from the first byte, smtp+starttls:// to upgrade,
with optional user:password@ for AUTH.
"""

from __future__ import annotations

import smtplib
import ssl
from urllib.parse import unquote, urlsplit

from app.mail.compose import compose
from app.services.context import settings

TIMEOUT = 15


class RelayUnavailable(Exception):
    """No relay is configured, or it refused or could not be reached."""


def configured() -> bool:
    return bool(settings().smtp_relay_url)


def sender() -> str:
    return f"Mayfly <no-reply@{settings().mail_domains[0]}>"


def send(to: str, subject: str, body: str) -> None:
    url = settings().smtp_relay_url
    if not url:
        raise RelayUnavailable("no SMTP_RELAY_URL")
    parts = urlsplit(url)
    raw = compose(sender=sender(), to=to, subject=subject, body=body)
    client_class = smtplib.SMTP_SSL if parts.scheme == "smtps" else smtplib.SMTP
    default_port = 465 if parts.scheme == "smtps" else 25
    try:
        with client_class(parts.hostname or "", parts.port or default_port,
                          timeout=TIMEOUT) as client:
            if parts.scheme == "smtp+starttls":
                client.starttls(context=ssl.create_default_context())
            if parts.username:
                client.login(unquote(parts.username), unquote(parts.password or ""))
            client.sendmail(f"no-reply@{settings().mail_domains[0]}", [to], raw)
    except (OSError, smtplib.SMTPException) as exc:
        raise RelayUnavailable(str(exc)) from exc
