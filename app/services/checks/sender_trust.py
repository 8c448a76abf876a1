"""Whose mail may load remote images without asking: only a sender the checks authenticated.

"Always show images from <sender>" used to be keyed on the From header, which anyone can
write: mail "From: news@bank.example" from a stranger loaded its trackers for a reader who
had trusted the bank. A choice is now made, and honoured, only for a message whose DMARC
verdict is `pass` for the very domain of the From address Mayfly shows, and one of whose
passing SPF or DKIM identities is that domain, a parent or a subdomain of it. The second
test is DMARC's alignment again, without the Public Suffix List: authheaders takes the
organisational domain from its bundled list, and for a suffix the list lacks (a newer TLD,
`.example`, `.test`) it judges every domain under it one organisation, so a stranger
passing SPF for evil.example would pass DMARC for bank.example.

The choice stays keyed on the From address (the browser keeps it as a digest,
app/web/visitor.py), and every later message must pass again.
"""

from __future__ import annotations

from typing import Any

from app.models import Message


def authenticated_sender(message: Message) -> str | None:
    """The message's From address, lower-cased, when DMARC authenticated its domain; None
    otherwise (no verdict yet, none, fail, a pass for another domain or not aligned)."""
    checks = message.checks  # loaded with the message
    if checks is None or checks.auth_pending or checks.auth_dmarc != "pass":
        return None
    address = (message.from_addr or "").strip().lower()
    local, at, domain = address.rpartition("@")
    if not (local and at and domain):
        return None
    auth = checks.auth  # deferred: loaded only for mail that passed
    if not isinstance(auth, dict):
        return None
    dmarc = auth.get("dmarc")
    if not (isinstance(dmarc, dict) and dmarc.get("result") == "pass"
            and _name(dmarc.get("domain")) == domain):
        return None
    return address if any(_aligned(domain, d) for d in _passing_domains(auth)) else None


def _passing_domains(auth: dict[str, Any]) -> list[str]:
    """The domains SPF (the envelope's) and DKIM (each signature's d=) authenticated."""
    checks = [auth.get("spf"), *(auth.get("dkim") or [])]
    return [_name(c.get("domain")) for c in checks
            if isinstance(c, dict) and c.get("result") == "pass"]


def _aligned(domain: str, authenticated: str) -> bool:
    """The same domain, or one under the other: only the From domain's own DNS (or its
    parent's) can make such an identity pass."""
    return bool(authenticated) and (
        authenticated == domain or authenticated.endswith("." + domain)
        or domain.endswith("." + authenticated))


def _name(value: object) -> str:
    return value.strip().lower().rstrip(".") if isinstance(value, str) else ""
