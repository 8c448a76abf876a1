"""Every setting Mayfly reads, from the environment, in one typed table.

Each field of `Settings` is one variable, written once: its name, default, parser and the
help line of the README's table (`markdown_table()`; a test keeps the README equal to it).
A bad value raises `ConfigError` with one line that names the variable, and start-up
stops there.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from app.config_instance import (
    database_url_parser,
    default_database_url,
    engine_options,
    stored_secret,
)
from app.config_values import (
    parse_count,
    parse_dns_servers,
    parse_domain_types,
    parse_domains,
    parse_duration,
    parse_flag,
    parse_limit,
    parse_optional_secret,
    parse_origins,
    parse_port,
    parse_positive,
    parse_processes,
    parse_public_url,
    parse_relay_url,
    parse_scrypt_cost,
    parse_secret,
    parse_size,
    parse_storage_uri,
)

DEFAULT_INSTANCE = Path(__file__).resolve().parent.parent / "instance"


class ConfigError(ValueError):
    """A setting has a value Mayfly cannot use."""


def setting(name: str, default: str, parse: Callable[[str], Any], help: str) -> Any:
    """One variable: the field's default is `parse(default)`, so the text is written once."""
    return field(default=parse(default),
                 metadata={"env": name, "default": default, "parse": parse, "help": help})


def _derived(name: str, default: str, help: str) -> Any:
    """A variable whose default depends on the instance folder (see from_env)."""
    return field(metadata={"env": name, "default": default, "parse": str, "help": help})


@dataclass(frozen=True)
class Settings:
    """Mayfly's configuration, typed and validated."""

    database_url: str = _derived(
        "DATABASE_URL", "sqlite:///instance/mayfly.db",
        "SQLAlchemy URL of the store (SQLite in WAL mode, or postgresql+psycopg://…).")
    secret_key: str = _derived(
        "SECRET_KEY", "(generated into instance/secret_key)",
        "Signs sessions, CSRF tokens and JWTs. Set the same value on every process.")
    mail_domains: tuple[str, ...] = setting(
        "MAIL_DOMAINS", "mayfly.test", parse_domains,
        "Comma-separated domains that receive mail; the first is the default.")
    smtp_host: str = setting("SMTP_HOST", "127.0.0.1", str,
                             "Address the SMTP sidecar listens on.")
    smtp_port: int = setting("SMTP_PORT", "2525", parse_port,
                             "Port the SMTP sidecar listens on.")
    smtp_hostname: str = setting("SMTP_HOSTNAME", "mayfly.test", str,
                                 "Name the SMTP server gives in its greeting and EHLO answer.")
    smtp_processes: int = setting(
        "SMTP_PROCESSES", "auto", parse_processes,
        "SMTP worker processes sharing the port (SO_REUSEPORT); auto is one per CPU core.")
    smtp_max_recipients: int = setting("SMTP_MAX_RECIPIENTS", "100", parse_positive,
                                       "Recipients accepted per message.")
    smtp_max_transaction_bytes: int = setting(
        "SMTP_MAX_TRANSACTION_BYTES", "50MiB", parse_size,
        "What one message may store in all: its size times its recipient mailboxes; past it, "
        "452 at RCPT (size declared) or 552 at DATA, so a sender sends to fewer at once.")
    smtp_max_line_length: int = setting(
        "SMTP_MAX_LINE_LENGTH", "65536", parse_positive,
        "Longest line (octets, CRLF included) accepted in DATA; longer gets 500.")
    smtp_timeout: int = setting("SMTP_TIMEOUT", "300", parse_positive,
                                "Seconds an idle SMTP connection is kept.")
    smtp_data_timeout: int = setting(
        "SMTP_DATA_TIMEOUT", "600", parse_positive,
        "Seconds one DATA transfer may take in all; slower is 421 and nothing stored.")
    smtp_max_connections: int = setting(
        "SMTP_MAX_CONNECTIONS", "500", parse_positive,
        "Open SMTP connections per SMTP process; past it new ones get 421.")
    smtp_max_connections_per_ip: int = setting(
        "SMTP_MAX_CONNECTIONS_PER_IP", "50", parse_positive,
        "Open SMTP connections per client IP per SMTP process; past it, 421.")
    web_workers: int = setting(
        "WEB_WORKERS", "2", parse_positive,
        "gunicorn worker processes (scripts/serve); more than one needs a shared limit store.")
    web_connections: int = setting(
        "WEB_CONNECTIONS", "4000", parse_positive,
        "Open HTTP connections one web process serves at once (gevent greenlets).")
    wait_max_concurrent: int = setting(
        "WAIT_MAX_CONCURRENT", "3000", parse_positive,
        "Open waits (wait=) and event streams per web process; past it, 429.")
    wait_max_per_client: int = setting(
        "WAIT_MAX_PER_CLIENT", "20", parse_positive,
        "Open waits and streams per client (API key, else IP) per web process; past it, 429.")
    public_mailbox_ttl: timedelta = setting(
        "PUBLIC_MAILBOX_TTL", "1h", parse_duration,
        "Lifetime of a public mailbox (a number with s, m, h or d).")
    owned_mailbox_ttl: timedelta = setting(
        "OWNED_MAILBOX_TTL", "7d", parse_duration,
        "Lifetime of a mailbox a signed-in user owns (0 for never).")
    account_token_ttl: timedelta = setting(
        "ACCOUNT_TOKEN_TTL", "24h", parse_duration,
        "Lifetime of a JWT a mailbox account gets at sign-in (tempemail, mail.tm doors).")
    plan_requests: int = setting(
        "PLAN_REQUESTS", "50000", parse_count,
        "Default plan: API requests a user's keys may make per calendar month (UTC).")
    plan_mailboxes: int = setting("PLAN_MAILBOXES", "100", parse_count,
                                  "Default plan: mailboxes a user may own at once.")
    plan_storage: int = setting(
        "PLAN_STORAGE", "100MiB", parse_size,
        "Default plan: bytes of mail a user's mailboxes may hold (refused past it, 552).")
    plan_domain_types: tuple[str, ...] = setting(
        "PLAN_DOMAIN_TYPES", "free", parse_domain_types,
        "Default plan: comma-separated domain types (free, premium, custom) users may use.")
    proxy_count: int = setting(
        "PROXY_COUNT", "0", parse_count,
        "Reverse proxies in front of the web app whose X-Forwarded-* headers to trust.")
    mailbox_quota: int = setting(
        "MAILBOX_QUOTA", "100MiB", parse_size,
        "Stored bytes a mailbox may hold (0 for no limit); more is refused at SMTP time.")
    max_message_size: int = setting("MAX_MESSAGE_SIZE", "10MiB", parse_size,
                                    "Largest message accepted over SMTP (SIZE).")
    purge_interval: timedelta = setting(
        "PURGE_INTERVAL", "60s", parse_duration,
        "How often the SMTP sidecar purges expired mailboxes.")
    expired_hold: timedelta = setting(
        "EXPIRED_HOLD", "10m", parse_duration,
        "How long an expired address keeps refusing mail (unreadable) before it is purged "
        "and may be used afresh.")
    poll_interval: timedelta = setting("POLL_INTERVAL", "3s", parse_duration,
                                       "How often an open browser inbox asks for new mail.")
    ratelimit_storage_uri: str = setting(
        "RATELIMIT_STORAGE_URI", "memory://", parse_storage_uri,
        "Where limits and request counts live: memory:// for one web process, redis://… "
        "(scripts/serve starts a private Redis) for several.")
    ratelimit_default: str = setting(
        "RATELIMIT_DEFAULT", "600 per minute", parse_limit,
        "Requests one client IP may make to any route (Flask-Limiter notation).")
    smtp_relay_url: str = setting(
        "SMTP_RELAY_URL", "", parse_relay_url,
        "Where Mayfly sends its own mail (password resets, sign-up links): "
        "smtp://[user:password@]host:port, smtps://… or smtp+starttls://…; empty: none, and "
        "resets are done with the CLI.")
    auth_results: bool = setting(
        "AUTH_RESULTS", "1", parse_flag,
        "1 evaluates SPF, DKIM, DMARC and ARC of each message after it is stored; 0 never.")
    auth_dns_servers: tuple[str, ...] = setting(
        "AUTH_DNS_SERVERS", "", parse_dns_servers,
        "DNS servers (host or host:port, comma-separated) for those checks; empty: the system's.")
    auth_dns_timeout: timedelta = setting(
        "AUTH_DNS_TIMEOUT", "2s", parse_duration,
        "Longest one DNS lookup of those checks may take; answers are cached by their TTL.")
    password_scrypt_n: int = setting(
        "PASSWORD_SCRYPT_N", "32768", parse_scrypt_cost,
        "scrypt's work factor N (a power of two) for new password hashes; stored hashes keep "
        "theirs and still verify. Each hash takes N x 1 KiB of memory.")
    webhooks_allow_private: bool = setting(
        "WEBHOOKS_ALLOW_PRIVATE", "0", parse_flag,
        "1 lets webhooks reach loopback and private addresses (a developer's laptop).")
    webhook_timeout: timedelta = setting(
        "WEBHOOK_TIMEOUT", "10s", parse_duration,
        "Longest one webhook delivery may take in all, connect to last byte.")
    webhook_concurrency: int = setting(
        "WEBHOOK_CONCURRENCY", "8", parse_positive,
        "Webhook deliveries sent at once (at most 2 to any one host).")
    api_cors_origins: tuple[str, ...] = setting(
        "API_CORS_ORIGINS", "", parse_origins,
        "Web origins (comma-separated, or *) whose pages may call the JSON API and the "
        "dialects from the browser (CORS, no cookies); empty: none.")
    metrics_token: str = setting(
        "METRICS_TOKEN", "", parse_optional_secret,
        "Bearer token a Prometheus scrape of /metrics sends; empty: /metrics answers 404.")
    web_host: str = setting("WEB_HOST", "127.0.0.1", str,
                            "Address gunicorn listens on (scripts/serve).")
    web_port: int = setting("WEB_PORT", "8000", parse_port,
                            "Port gunicorn listens on (scripts/serve).")
    mcp_host: str = setting("MCP_HOST", "127.0.0.1", str,
                            "Address the MCP door for agents (python -m app.mcp) listens on.")
    mcp_port: int = setting("MCP_PORT", "8025", parse_port,
                            "Port the MCP door for agents listens on (scripts/serve).")
    # Settings made in code (tests) link to the host Flask's test client names; from the
    # environment the default follows WEB_PORT (from_env).
    public_url: str = field(default="http://localhost", metadata={
        "env": "PUBLIC_URL", "default": "http://localhost:<WEB_PORT>", "parse": parse_public_url,
        "help": "Origin (https://mail.example.com: scheme, host, optional port, no path) every "
                "absolute link Mayfly writes starts with: mails, attachment URLs. Never taken "
                "from a request's Host or X-Forwarded-Host."})
    instance_path: Path = field(default=DEFAULT_INSTANCE, metadata={
        "env": "INSTANCE_PATH", "default": "instance", "parse": Path,
        "help": "Folder of the generated secret key, the default SQLite file and the private "
                "Redis of scripts/serve."})

    @property
    def default_domain(self) -> str:
        return self.mail_domains[0]

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ,
                 instance_path: Path | None = None) -> Settings:
        """Parse and validate the environment; a bad value raises ConfigError naming it."""
        instance = Path(environ.get("INSTANCE_PATH", "").strip() or instance_path
                        or DEFAULT_INSTANCE).resolve()
        values: dict[str, Any] = {}
        derived = {"DATABASE_URL": (database_url_parser(instance),
                                    lambda: default_database_url(instance)),
                   "SECRET_KEY": (parse_secret, lambda: stored_secret(instance)),
                   "INSTANCE_PATH": (lambda _: instance, lambda: instance),
                   # A laptop's Mayfly is reached where scripts/serve listens.
                   "PUBLIC_URL": (parse_public_url,
                                  lambda: f"http://localhost:{values['web_port']}")}
        for variable in variables():
            name = variable.metadata["env"]
            raw = environ.get(name, "").strip()
            parse, make_default = derived.get(name, (variable.metadata["parse"], None))
            if not raw:
                if make_default is not None:
                    values[variable.name] = make_default()
                    continue
                raw = variable.metadata["default"]
            try:
                values[variable.name] = parse(raw)
            except ValueError as exc:
                raise ConfigError(f"{name}={raw!r} is not valid: {exc}") from None
        return cls(**values)

    def flask_config(self) -> dict[str, object]:
        """The subset Flask and its extensions read."""
        return {
            "SECRET_KEY": self.secret_key,
            "SQLALCHEMY_DATABASE_URI": self.database_url,
            "SQLALCHEMY_ENGINE_OPTIONS": engine_options(self.database_url),
            "RATELIMIT_STORAGE_URI": self.ratelimit_storage_uri,
            "RATELIMIT_HEADERS_ENABLED": False,
            "MAX_CONTENT_LENGTH": 1024 * 1024,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "SESSION_COOKIE_HTTPONLY": True,
            "MAYFLY": self,
        }


def load_or_report() -> Settings | None:
    """The environment's settings for a process starting up, or None after one line on
    stderr that names the bad variable (the process then exits with 2)."""
    try:
        return Settings.from_env()
    except ConfigError as exc:
        print(f"mayfly: {exc}", file=sys.stderr)
        return None


def variables() -> list[dataclasses.Field[Any]]:
    """The fields of Settings that are environment variables, in the README's order."""
    return [f for f in dataclasses.fields(Settings) if "env" in f.metadata]


def markdown_table() -> str:
    """The README's configuration table."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    rows += [f"| `{f.metadata['env']}` | {_shown(f.metadata['default'])} | {f.metadata['help']} |"
             for f in variables()]
    return "\n".join(rows)


def _shown(default: str) -> str:
    return f"`{default}`" if default else "(empty)"
