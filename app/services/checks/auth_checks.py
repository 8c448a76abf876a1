"""SPF, DKIM, DMARC and ARC verdicts of one stored message, through pyspf, dkimpy and
authheaders (the libraries every Python MTA uses), with DNS bounded in time and cached.

Each library resolves through dnspython's default resolver; Mayfly sets it to one built from
AUTH_DNS_SERVERS and AUTH_DNS_TIMEOUT, whose cache keeps answers for their TTL. A lookup
that times out gives "temperror" for that check, never an exception: a verdict is stored
either way, and the message was committed long before.

What one message may cost is bounded whatever its sender wrote: at most MAX_ARC_SETS ARC
sets (RFC 8617's 50; more fail the chain unverified), at most MAX_SIGNATURES DKIM
signatures, and one budget for all its checks together: DNS_QUERIES lookups and
MESSAGE_TIMEOUTS times AUTH_DNS_TIMEOUT of time, past which every further lookup times out
(temperror) at once.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from email.utils import getaddresses
from typing import Any

import authheaders
import dkim
import dns.exception
import dns.nameserver
import dns.resolver
import spf
from authres import AuthenticationResultsHeader, DKIMAuthenticationResult, SPFAuthenticationResult
from authres.arc import ARCAuthenticationResult
from authres.dmarc import DMARCAuthenticationResult

SPF_LOOKUPS = 5  # the whole SPF check may take this many single lookups' time
MAX_SIGNATURES = 10
MAX_ARC_SETS = 50
DNS_QUERIES = 60  # per message, all checks together (SPF alone may ask 10 plus voids)
MESSAGE_TIMEOUTS = 8  # per message, all checks together, in AUTH_DNS_TIMEOUTs
_lock = threading.Lock()
_resolvers: dict[tuple[tuple[str, ...], float], dns.resolver.Resolver] = {}
_budget = threading.local()  # the message this thread is checking: what it may still ask


class _Budget:
    def __init__(self, queries: int, seconds: float) -> None:
        self.queries, self.deadline = queries, time.monotonic() + seconds

    def spend(self) -> None:
        """One more lookup, or dns.exception.Timeout when the message has had its share."""
        self.queries -= 1
        if self.queries < 0 or time.monotonic() > self.deadline:
            raise dns.exception.Timeout()  # type: ignore[no-untyped-call]  # dnspython


class _BudgetedResolver(dns.resolver.Resolver):
    """dnspython's resolver, charging each lookup to the message being checked."""

    def resolve(self, *args: Any, **kwargs: Any) -> dns.resolver.Answer:
        budget: _Budget | None = getattr(_budget, "current", None)
        if budget is not None:
            budget.spend()
        return super().resolve(*args, **kwargs)


@dataclass(frozen=True)
class Envelope:
    raw: bytes
    client_ip: str
    helo: str
    mail_from: str


def use_dns(servers: tuple[str, ...], timeout: float) -> None:
    """Point dnspython's default resolver (and so every check) at these servers."""
    key = (servers, timeout)
    with _lock:
        if key not in _resolvers:
            resolver = _BudgetedResolver(configure=not servers)
            if servers:
                resolver.nameservers = [_nameserver(s) for s in servers]
            resolver.lifetime = resolver.timeout = timeout
            resolver.cache = dns.resolver.LRUCache(10_000)
            _resolvers[key] = resolver
        dns.resolver.default_resolver = _resolvers[key]


def _nameserver(server: str) -> dns.nameserver.Nameserver:
    host, port = (server.rsplit(":", 1) if server.count(":") == 1 else (server, "53"))
    return dns.nameserver.Do53Nameserver(host, int(port))


def evaluate(envelope: Envelope, authserv_id: str, timeout: float) -> dict[str, Any]:
    """{"spf", "dkim": [...], "dmarc", "arc", "header"}: each verdict with its domain, within
    the message's budget of lookups and time."""
    _budget.current = _Budget(DNS_QUERIES, timeout * MESSAGE_TIMEOUTS)
    try:
        return _evaluate(envelope, authserv_id, timeout)
    finally:
        _budget.current = None


def _evaluate(envelope: Envelope, authserv_id: str, timeout: float) -> dict[str, Any]:
    head = _header_block(envelope.raw)
    names = _header_names(head)
    spf_result = _spf(envelope, timeout)
    # Most mail has no ARC set and many no signature: those checks are "none" unparsed.
    signatures = _dkim(envelope.raw, names.count(b"dkim-signature"), timeout)
    arc_result = _arc(envelope.raw, names, timeout)
    passing = next((s for s in signatures if s.result == "pass"), None)
    dmarc_result = _dmarc(head, spf_result, passing or (signatures or [None])[0])
    header = AuthenticationResultsHeader(
        authserv_id=authserv_id,
        results=[spf_result, *(signatures or [DKIMAuthenticationResult(result="none")]),
                 dmarc_result, arc_result])
    return {
        "spf": {"result": spf_result.result, "domain": _domain(envelope)},
        "dkim": [{"result": s.result, "domain": s.header_d, "selector": s.header_s}
                 for s in signatures],
        "dmarc": {"result": dmarc_result.result,
                  "domain": dmarc_result.header_from or _from_domain(head),
                  "policy": dmarc_result.policy},
        "arc": {"result": arc_result.result},
        "header": str(header),
    }


def dkim_summary(verdicts: dict[str, Any]) -> str:
    """One word for the message: pass if any signature passes, else the first's, else none."""
    results = [s["result"] for s in verdicts["dkim"]]
    return "pass" if "pass" in results else (results[0] if results else "none")


def _domain(envelope: Envelope) -> str:
    return envelope.mail_from.rpartition("@")[2].lower() or envelope.helo.lower()


def _spf(envelope: Envelope, timeout: float) -> SPFAuthenticationResult:
    if not envelope.client_ip:
        return SPFAuthenticationResult(result="none")
    try:
        result, _ = spf.check2(envelope.client_ip, envelope.mail_from, envelope.helo or "unknown",
                               timeout=timeout, querytime=timeout * SPF_LOOKUPS)
    except Exception:  # a library fault on odd input is a permerror, not a crash
        result = "permerror"
    return SPFAuthenticationResult(result=result or "none", smtp_mailfrom=envelope.mail_from,
                                   smtp_helo=envelope.helo)


def _dkim(raw: bytes, count: int, timeout: float) -> list[DKIMAuthenticationResult]:
    return [_one_signature(raw, index, timeout) for index in range(min(count, MAX_SIGNATURES))]


def _header_block(raw: bytes) -> bytes:
    """The header section and the empty line ending it: all DMARC and the counts need."""
    ends = [(at, len(mark)) for mark in (b"\r\n\r\n", b"\n\n")
            if (at := raw.find(mark)) >= 0]
    if not ends:
        return raw
    at, length = min(ends)
    return raw[:at + length]


def _header_names(head: bytes) -> list[bytes]:
    try:
        headers, _ = dkim.rfc822_parse(head)
    except Exception:  # unparseable mail has no signature to check
        return []
    return [name.lower() for name, _ in headers]


def _one_signature(raw: bytes, index: int, timeout: float) -> DKIMAuthenticationResult:
    checker = dkim.DKIM(raw, timeout=timeout)
    timed_out: list[str] = []

    def txt(name: bytes, timeout: float = timeout) -> bytes | None:
        # dkimpy logs a key lookup that timed out and calls the signature failed; it is a
        # temperror (RFC 8601), so the lookup is watched here.
        try:
            found: bytes | None = dkim.dnsplug.get_txt(name, timeout=timeout)
        except dkim.DnsTimeoutError:
            timed_out.append(name.decode("ascii", "replace"))
            raise
        return found

    try:
        verified = checker.verify(idx=index, dnsfunc=txt)
        result = "pass" if verified else ("temperror" if timed_out else "fail")
    except dkim.DnsTimeoutError:
        result = "temperror"
    except dns.exception.DNSException:
        result = "temperror"
    except dkim.DKIMException:
        result = "permerror" if not checker.signature_fields else "fail"
    except Exception:  # dkimpy raises plain errors on some malformed tags
        result = "permerror"
    fields = checker.signature_fields or {}
    return DKIMAuthenticationResult(result=result, header_d=_text(fields.get(b"d")),
                                    header_s=_text(fields.get(b"s")))


def _arc(raw: bytes, names: list[bytes], timeout: float) -> ARCAuthenticationResult:
    if not any(name.startswith(b"arc-") for name in names):
        return ARCAuthenticationResult(result="none")
    sets = max(names.count(b"arc-seal"), names.count(b"arc-message-signature"),
               names.count(b"arc-authentication-results"))
    if sets > MAX_ARC_SETS:
        return ARCAuthenticationResult(result="fail")  # RFC 8617: a chain of 50 at most
    try:
        chain, _, _ = dkim.ARC(raw, timeout=timeout).verify()
        result = chain.decode("ascii") if chain else "none"
    except dns.exception.DNSException:
        result = "temperror"
    except Exception:  # a broken ARC set fails the chain
        result = "fail"
    return ARCAuthenticationResult(result=result)


def _dmarc(head: bytes, spf_result: SPFAuthenticationResult,
           dkim_result: DKIMAuthenticationResult | None) -> DMARCAuthenticationResult:
    try:
        found: DMARCAuthenticationResult = authheaders.check_dmarc(
            head, spf_result=spf_result, dkim_result=dkim_result)
    except dns.exception.DNSException:
        return DMARCAuthenticationResult(result="temperror")
    except Exception:  # a From header authheaders cannot read
        return DMARCAuthenticationResult(result="permerror")
    return found


def _from_domain(head: bytes) -> str | None:
    """The From header's domain, named even when DMARC could not be evaluated."""
    try:
        headers, _ = dkim.rfc822_parse(head)
    except Exception:  # malformed mail: no domain to name
        return None
    values = [v.decode("utf-8", "replace") for n, v in headers if n.lower() == b"from"]
    found = getaddresses(values)
    return found[0][1].rpartition("@")[2].lower() or None if found else None


def _text(value: bytes | None) -> str | None:
    return value.decode("ascii", "replace") if value else None
