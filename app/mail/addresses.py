"""Address rules shared by every door: normalizing, validating, reserved names."""

from __future__ import annotations

import re
import secrets
import string

# RFC 2142 role accounts and the names seeds 000/001 refuse: never generated, claimed or
# shown through a public door. Mail to them is still accepted and kept for administrators.
RESERVED_LOCAL_PARTS = frozenset({
    "abuse", "admin", "administrator", "contact", "help", "hostmaster", "info", "noreply",
    "no-reply", "postmaster", "root", "security", "support", "system", "webmaster",
    "mailer-daemon", "usenet", "news", "uucp", "ftp", "www",
})

# What a chosen local part may look like (creation only; delivery is catch-all).
_CHOSEN_LOCAL = re.compile(r"^[a-z0-9](?:[a-z0-9._-]{0,62}[a-z0-9])?$")
_RANDOM_ALPHABET = string.ascii_lowercase + string.digits


class InvalidAddress(ValueError):
    """Not an address Mayfly can hold."""


def normalize(address: str) -> str:
    """Lower-case, without the white space and angle brackets around it, however they are
    mixed or repeated (`<a@x>`, `<<a@x>>`, ` < A@X > ` are all `a@x`); normalizing twice
    changes nothing. What every lookup by address and every count by address keys on."""
    start, end = 0, len(address)
    while start < end and (address[start] in "<>" or address[start].isspace()):
        start += 1
    while end > start and (address[end - 1] in "<>" or address[end - 1].isspace()):
        end -= 1
    return address[start:end].lower()


def split(address: str) -> tuple[str, str]:
    """(local part, domain) of a normalized address; InvalidAddress when it is not one."""
    local, at, domain = normalize(address).rpartition("@")
    if not at or not local or not domain or len(local) > 64 or len(domain) > 253:
        raise InvalidAddress(f"{address!r} is not an email address")
    if any(ch.isspace() or ord(ch) < 32 or ch in '<>"\\' for ch in local + domain):
        raise InvalidAddress(f"{address!r} is not an email address")
    return local, domain


MAX_TAG = 64


def split_tag(address: str) -> tuple[str, str | None]:
    """Plus-addressing: "name+test_42@d" → ("name@d", "test_42"); the tag lower-cased and
    at most 64 characters; an address without one (or with an empty one) has None."""
    local, domain = split(address)
    base, plus, tag = local.partition("+")
    if not plus or not base:
        return f"{local}@{domain}", None
    return f"{base}@{domain}", (tag[:MAX_TAG] or None)


def is_reserved(local_part: str) -> bool:
    """Reserved names, with any +tag, are kept for administrators."""
    return local_part.lower().split("+", 1)[0] in RESERVED_LOCAL_PARTS


def check_chosen_local_part(local_part: str) -> str:
    """A local part someone asks for: 1 to 64 of a-z 0-9 . _ -, not starting or ending in a dot."""
    local = local_part.strip().lower()
    if not _CHOSEN_LOCAL.match(local) or ".." in local:
        raise InvalidAddress(
            "The name before the @ can use 1 to 64 letters (a-z), digits, dots, dashes and "
            "underscores, and must start and end with a letter or digit.")
    return local


def random_local_part(length: int = 10) -> str:
    """A fresh random local part of lower-case letters and digits, starting with a letter."""
    first = secrets.choice(string.ascii_lowercase)
    return first + "".join(secrets.choice(_RANDOM_ALPHABET) for _ in range(length - 1))
