"""Parsing and checking the values of Mayfly's settings: sizes, durations, domains, limits.

Each parser raises ValueError with a short reason; Settings.from_env turns it into a
one-line ConfigError that names the variable.
"""

from __future__ import annotations

import ipaddress
import os
import re
from datetime import timedelta
from urllib.parse import urlsplit

from limits import parse_many

_SIZE = re.compile(r"^\s*(\d+)\s*(b|kib|kb|mib|mb|gib|gb)?\s*$", re.IGNORECASE)
_SIZE_UNITS = {None: 1, "b": 1, "kb": 1000, "kib": 1024, "mb": 1000**2, "mib": 1024**2,
               "gb": 1000**3, "gib": 1024**3}
_DURATION = re.compile(r"^\s*(\d+)\s*(s|m|h|d)?\s*$", re.IGNORECASE)
_DURATION_UNITS = {None: 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
_LABEL = r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
_DOMAIN = re.compile(rf"^(?=.{{1,253}}$)({_LABEL}\.)*{_LABEL}$")


def parse_size(text: str) -> int:
    """'10MiB' → 10485760."""
    match = _SIZE.match(text)
    if not match:
        raise ValueError("expected a size such as 10MiB or 500000")
    unit = match.group(2).lower() if match.group(2) else None
    return int(match.group(1)) * _SIZE_UNITS[unit]


def parse_duration(text: str) -> timedelta:
    """'1h' → one hour; a bare number is seconds."""
    match = _DURATION.match(text)
    if not match:
        raise ValueError("expected a duration such as 90s, 15m, 1h or 7d")
    unit = match.group(2).lower() if match.group(2) else None
    return timedelta(seconds=int(match.group(1)) * _DURATION_UNITS[unit])


def parse_domains(text: str) -> tuple[str, ...]:
    domains = tuple(d.strip().lower() for d in text.split(",") if d.strip())
    if not domains:
        raise ValueError("expected at least one domain")
    for domain in domains:
        if not _DOMAIN.match(domain):
            raise ValueError(f"{domain!r} is not a domain name")
    return domains


def parse_port(text: str) -> int:
    port = int(text)
    if not 0 <= port <= 65535:
        raise ValueError("expected a port number from 0 to 65535")
    return port


def parse_processes(text: str) -> int:
    if text.strip().lower() == "auto":
        return max(1, min(os.cpu_count() or 1, 8))
    return parse_positive(text)


def parse_positive(text: str) -> int:
    number = int(text)
    if number < 1:
        raise ValueError("expected a whole number of at least 1")
    return number


MIN_SECRET = 32


def parse_secret(text: str) -> str:
    # HS256 tokens and signed cookies want at least 32 bytes of key (RFC 7518 section 3.2).
    if len(text) < MIN_SECRET:
        raise ValueError(f"expected at least {MIN_SECRET} characters; generate one with "
                         "python3 -c 'import secrets; print(secrets.token_urlsafe(48))'")
    return text


def parse_optional_secret(text: str) -> str:
    """Empty (the feature is off) or a secret as long as parse_secret asks."""
    return parse_secret(text) if text else ""


def parse_count(text: str) -> int:
    number = int(text)
    if number < 0:
        raise ValueError("expected a whole number of at least 0")
    return number


DOMAIN_TYPES = ("free", "premium", "custom")


def parse_domain_types(text: str) -> tuple[str, ...]:
    kinds = tuple(k.strip().lower() for k in text.split(",") if k.strip())
    if not kinds or any(k not in DOMAIN_TYPES for k in kinds):
        raise ValueError(f"expected a comma-separated list of {', '.join(DOMAIN_TYPES)}")
    return kinds


def parse_limit(text: str) -> str:
    parse_many(text)  # raises ValueError on nonsense
    return text


def parse_dns_servers(text: str) -> tuple[str, ...]:
    """"" or "9.9.9.9, 127.0.0.1:5353": each an IP address, with an optional port."""
    servers = tuple(part.strip() for part in text.split(",") if part.strip())
    for server in servers:
        host, _, port = server.rpartition(":") if server.count(":") == 1 else (server, "", "")
        try:
            ipaddress.ip_address(host)
        except ValueError:
            raise ValueError(f"{server!r} is not an IP address (with an optional :port)") from None
        if port and not (port.isdigit() and 0 < int(port) < 65536):
            raise ValueError(f"{server!r} has a bad port")
    return servers


def parse_flag(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError("expected 1 or 0")


STORAGE_SCHEMES = ("memory://", "redis://", "rediss://", "redis+unix://", "redis+sentinel://")


RELAY_SCHEMES = ("smtp://", "smtps://", "smtp+starttls://")


def parse_relay_url(text: str) -> str:
    """"" (no relay), or smtp://[user:password@]host:port (smtps:// for TLS from the start,
    smtp+starttls:// to upgrade)."""
    text = text.strip()
    if text and not (text.startswith(RELAY_SCHEMES) and urlsplit(text).hostname):
        raise ValueError("expected smtp://[user:password@]host:port, smtps://… or "
                         "smtp+starttls://…")
    return text


def parse_storage_uri(text: str) -> str:
    if not text.startswith(STORAGE_SCHEMES):
        raise ValueError("expected memory://, redis://host:port or redis+unix:///path")
    return text


def parse_origins(text: str) -> tuple[str, ...]:
    """'https://app.example, http://localhost:3000' → the two origins; '*' → any; '' → none."""
    origins = tuple(o.strip().lower().rstrip("/") for o in text.split(",") if o.strip())
    if origins == ("*",):
        return origins
    for origin in origins:
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.path \
                or parts.query or parts.fragment or parts.username:
            raise ValueError(f"{origin!r} is not an origin such as https://app.example "
                             "(or use * alone)")
    return origins


def parse_public_url(text: str) -> str:
    """'https://mail.example.com/' → 'https://mail.example.com': the origin (scheme, host and
    an optional port; no path, query or user) every absolute link Mayfly writes starts with."""
    reason = "expected an origin such as https://mail.example.com (http or https, no path)"
    parts = urlsplit(text.strip())
    try:
        port = parts.port
    except ValueError:
        raise ValueError(reason) from None
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host or parts.path not in ("", "/") \
            or parts.query or parts.fragment or "?" in text or "#" in text \
            or parts.username is not None or not _is_host(host):
        raise ValueError(reason)
    host = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{host}" + (f":{port}" if port is not None else "")


def _is_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return bool(_DOMAIN.match(host))
    return True


def parse_scrypt_cost(text: str) -> int:
    """scrypt's N: a power of two from 2**10 (tests) to 2**20 (1 GiB of memory per hash)."""
    cost = int(text)
    if cost < 2**10 or cost > 2**20 or cost & (cost - 1):
        raise ValueError("expected a power of two from 1024 to 1048576")
    return cost
