"""Every setting Mayfly reads, from the environment, in one place.

`VARIABLES` is the table of names, defaults and help; the README lists the same
table (a test keeps them in step). A bad value raises `ConfigError` with one
line that names the variable, and start-up stops there.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from app.config_values import (
    parse_count,
    parse_domain_types,
    parse_domains,
    parse_duration,
    parse_limit,
    parse_port,
    parse_positive,
    parse_processes,
    parse_secret,
    parse_size,
)

DEFAULT_INSTANCE = Path(__file__).resolve().parent.parent / "instance"


class ConfigError(ValueError):
    """A setting has a value Mayfly cannot use."""


@dataclass(frozen=True)
class Variable:
    name: str
    default: str
    help: str


VARIABLES: tuple[Variable, ...] = (
    Variable("DATABASE_URL", "sqlite:///instance/mayfly.db",
             "SQLAlchemy URL of the store (SQLite in WAL mode, or postgresql+psycopg://…)."),
    Variable("SECRET_KEY", "(generated into instance/secret_key)",
             "Signs sessions, CSRF tokens and JWTs. Set the same value on every process."),
    Variable("MAIL_DOMAINS", "mayfly.test",
             "Comma-separated domains that receive mail; the first is the default."),
    Variable("SMTP_HOST", "127.0.0.1", "Address the SMTP sidecar listens on."),
    Variable("SMTP_PORT", "2525", "Port the SMTP sidecar listens on."),
    Variable("SMTP_HOSTNAME", "mayfly.test",
             "Name the SMTP server gives in its greeting and EHLO answer."),
    Variable("SMTP_PROCESSES", "auto",
             "SMTP worker processes sharing the port (SO_REUSEPORT); auto is one per CPU core."),
    Variable("SMTP_MAX_RECIPIENTS", "100", "Recipients accepted per message."),
    Variable("SMTP_MAX_LINE_LENGTH", "65536",
             "Longest line (octets, CRLF included) accepted in DATA; longer gets 500."),
    Variable("SMTP_TIMEOUT", "300", "Seconds an idle SMTP connection is kept."),
    Variable("SMTP_DATA_TIMEOUT", "600",
             "Seconds one DATA transfer may take in all; slower is 421 and nothing stored."),
    Variable("SMTP_MAX_CONNECTIONS", "500",
             "Open SMTP connections per SMTP process; past it new ones get 421."),
    Variable("SMTP_MAX_CONNECTIONS_PER_IP", "50",
             "Open SMTP connections per client IP per SMTP process; past it, 421."),
    Variable("WAIT_MAX_CONCURRENT", "6",
             "API calls holding wait= at once per web process (below its threads); then 429."),
    Variable("PUBLIC_MAILBOX_TTL", "1h",
             "Lifetime of a public mailbox (a number with s, m, h or d)."),
    Variable("OWNED_MAILBOX_TTL", "7d",
             "Lifetime of a mailbox a signed-in user owns (0 for never)."),
    Variable("PLAN_REQUESTS", "50000",
             "Default plan: API requests a user's keys may make per calendar month (UTC)."),
    Variable("PLAN_MAILBOXES", "100", "Default plan: mailboxes a user may own at once."),
    Variable("PLAN_STORAGE", "100MiB",
             "Default plan: bytes of mail a user's mailboxes may hold (refused past it, 552)."),
    Variable("PLAN_DOMAIN_TYPES", "free",
             "Default plan: comma-separated domain types (free, premium, custom) users may use."),
    Variable("PROXY_COUNT", "0",
             "Reverse proxies in front of the web app whose X-Forwarded-* headers to trust."),
    Variable("MAILBOX_QUOTA", "100MiB",
             "Stored bytes a mailbox may hold (0 for no limit); more is refused at SMTP time."),
    Variable("MAX_MESSAGE_SIZE", "10MiB", "Largest message accepted over SMTP (SIZE)."),
    Variable("PURGE_INTERVAL", "60s", "How often the SMTP sidecar purges expired mailboxes."),
    Variable("POLL_INTERVAL", "3s", "How often an open browser inbox asks for new mail."),
    Variable("RATELIMIT_STORAGE_URI", "memory://",
             "Flask-Limiter storage: memory:// on one process, redis://… across processes."),
    Variable("RATELIMIT_DEFAULT", "600 per minute",
             "Requests one client IP may make to any route (Flask-Limiter notation)."),
    Variable("WEB_HOST", "127.0.0.1", "Address gunicorn listens on (scripts/serve)."),
    Variable("WEB_PORT", "8000", "Port gunicorn listens on (scripts/serve)."),
)

@dataclass(frozen=True)
class Settings:
    """Mayfly's configuration, typed and validated."""

    database_url: str
    secret_key: str
    mail_domains: tuple[str, ...] = ("mayfly.test",)
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 2525
    smtp_hostname: str = "mayfly.test"
    smtp_processes: int = 1
    smtp_max_recipients: int = 100
    smtp_max_line_length: int = 65536
    smtp_timeout: int = 300
    smtp_data_timeout: int = 600
    smtp_max_connections: int = 500
    smtp_max_connections_per_ip: int = 50
    wait_max_concurrent: int = 6
    public_mailbox_ttl: timedelta = timedelta(hours=1)
    owned_mailbox_ttl: timedelta = timedelta(days=7)
    plan_requests: int = 50_000
    plan_mailboxes: int = 100
    plan_storage: int = 100 * 1024 * 1024
    plan_domain_types: tuple[str, ...] = ("free",)
    proxy_count: int = 0
    mailbox_quota: int = 100 * 1024 * 1024
    max_message_size: int = 10 * 1024 * 1024
    purge_interval: timedelta = timedelta(seconds=60)
    poll_interval: timedelta = timedelta(seconds=3)
    ratelimit_storage_uri: str = "memory://"
    ratelimit_default: str = "600 per minute"
    web_host: str = "127.0.0.1"
    web_port: int = 8000
    instance_path: Path = field(default=DEFAULT_INSTANCE)

    @property
    def default_domain(self) -> str:
        return self.mail_domains[0]

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ,
                 instance_path: Path = DEFAULT_INSTANCE) -> Settings:
        """Parse and validate the environment; a bad value raises ConfigError naming it."""

        def read(name: str, parse: Callable[[str], object], default: str) -> object:
            raw = environ.get(name, "").strip() or default
            try:
                return parse(raw)
            except ValueError as exc:
                raise ConfigError(f"{name}={raw!r} is not valid: {exc}") from None

        return cls(
            database_url=str(read("DATABASE_URL", _database_url(instance_path),
                                  _default_database_url(instance_path))),
            secret_key=str(read("SECRET_KEY", parse_secret, _stored_secret(instance_path))),
            mail_domains=read("MAIL_DOMAINS", parse_domains, "mayfly.test"),  # type: ignore[arg-type]
            smtp_host=str(read("SMTP_HOST", str, "127.0.0.1")),
            smtp_port=read("SMTP_PORT", parse_port, "2525"),  # type: ignore[arg-type]
            smtp_hostname=str(read("SMTP_HOSTNAME", str, "mayfly.test")),
            smtp_processes=read("SMTP_PROCESSES", parse_processes, "auto"),  # type: ignore[arg-type]
            smtp_max_recipients=read("SMTP_MAX_RECIPIENTS", parse_positive, "100"),  # type: ignore[arg-type]
            smtp_max_line_length=read("SMTP_MAX_LINE_LENGTH", parse_positive, "65536"),  # type: ignore[arg-type]
            smtp_timeout=read("SMTP_TIMEOUT", parse_positive, "300"),  # type: ignore[arg-type]
            smtp_data_timeout=read("SMTP_DATA_TIMEOUT", parse_positive, "600"),  # type: ignore[arg-type]
            smtp_max_connections=read("SMTP_MAX_CONNECTIONS", parse_positive, "500"),  # type: ignore[arg-type]
            smtp_max_connections_per_ip=read(  # type: ignore[arg-type]
                "SMTP_MAX_CONNECTIONS_PER_IP", parse_positive, "50"),
            wait_max_concurrent=read("WAIT_MAX_CONCURRENT", parse_positive, "6"),  # type: ignore[arg-type]
            public_mailbox_ttl=read("PUBLIC_MAILBOX_TTL", parse_duration, "1h"),  # type: ignore[arg-type]
            owned_mailbox_ttl=read("OWNED_MAILBOX_TTL", parse_duration, "7d"),  # type: ignore[arg-type]
            plan_requests=read("PLAN_REQUESTS", parse_count, "50000"),  # type: ignore[arg-type]
            plan_mailboxes=read("PLAN_MAILBOXES", parse_count, "100"),  # type: ignore[arg-type]
            plan_storage=read("PLAN_STORAGE", parse_size, "100MiB"),  # type: ignore[arg-type]
            plan_domain_types=read("PLAN_DOMAIN_TYPES", parse_domain_types, "free"),  # type: ignore[arg-type]
            proxy_count=read("PROXY_COUNT", parse_count, "0"),  # type: ignore[arg-type]
            mailbox_quota=read("MAILBOX_QUOTA", parse_size, "100MiB"),  # type: ignore[arg-type]
            max_message_size=read("MAX_MESSAGE_SIZE", parse_size, "10MiB"),  # type: ignore[arg-type]
            purge_interval=read("PURGE_INTERVAL", parse_duration, "60s"),  # type: ignore[arg-type]
            poll_interval=read("POLL_INTERVAL", parse_duration, "3s"),  # type: ignore[arg-type]
            ratelimit_storage_uri=str(read("RATELIMIT_STORAGE_URI", _storage_uri, "memory://")),
            ratelimit_default=str(read("RATELIMIT_DEFAULT", parse_limit, "600 per minute")),
            web_host=str(read("WEB_HOST", str, "127.0.0.1")),
            web_port=read("WEB_PORT", parse_port, "8000"),  # type: ignore[arg-type]
            instance_path=instance_path,
        )

    def flask_config(self) -> dict[str, object]:
        """The subset Flask and its extensions read."""
        return {
            "SECRET_KEY": self.secret_key,
            "SQLALCHEMY_DATABASE_URI": self.database_url,
            "SQLALCHEMY_ENGINE_OPTIONS": _engine_options(self.database_url),
            "RATELIMIT_STORAGE_URI": self.ratelimit_storage_uri,
            "RATELIMIT_HEADERS_ENABLED": False,
            "MAX_CONTENT_LENGTH": 1024 * 1024,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "SESSION_COOKIE_HTTPONLY": True,
            "MAYFLY": self,
        }


def _default_database_url(instance_path: Path) -> str:
    return f"sqlite:///{instance_path / 'mayfly.db'}"


def _database_url(instance_path: Path) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if text.startswith("sqlite:///instance/"):
            # The documented default names the instance folder relative to the checkout.
            return _default_database_url(instance_path).replace(
                "mayfly.db", text.removeprefix("sqlite:///instance/"))
        if text.startswith("postgresql://"):
            # psycopg 3 is the driver Mayfly ships; plain postgresql:// would ask for psycopg2.
            return "postgresql+psycopg://" + text.removeprefix("postgresql://")
        if not text.startswith(("sqlite:", "postgresql+psycopg:")):
            raise ValueError("expected a sqlite:/// or postgresql:// URL")
        return text

    return parse


def _storage_uri(text: str) -> str:
    if not text.startswith(("memory://", "redis://", "rediss://", "redis+sentinel://")):
        raise ValueError("expected memory:// or redis://host:port")
    return text


def _engine_options(url: str) -> dict[str, object]:
    if url.startswith("sqlite"):
        # The SMTP sidecar and the web workers write the same file; wait for the lock.
        return {"connect_args": {"timeout": 30}}
    return {"pool_pre_ping": True}


def _stored_secret(instance_path: Path) -> str:
    """A secret generated once and kept, so sessions survive restarts."""
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    path.write_text(secret)
    path.chmod(0o600)
    return secret
