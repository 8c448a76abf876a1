"""Requests Mayfly makes to addresses users give it (webhooks), safe from request forgery.

A destination must resolve only to public unicast addresses, checked when it is registered
and again at every send; the connection goes to the very address that was checked (with
the host name kept for TLS and the Host header), so a name that re-resolves to an internal
address in between gets nothing. Redirects are never followed. Each request has one total
deadline, connect to last byte, however slowly the receiver trickles. Loopback and private
addresses are allowed only when the operator sets WEBHOOKS_ALLOW_PRIVATE=1; link-local
(cloud metadata), multicast, reserved and unspecified addresses never are, nor the special
ranges in NEVER that Python's `is_global` lets through or that lead somewhere else (6to4
relays, Teredo, NAT64, site-local, shared and benchmarking space, documentation). An IPv6
address that carries an IPv4 one (mapped ::ffff:a.b.c.d, 6to4 2002:a.b.c.d::/48) is judged
by the IPv4 address it carries.

What the user sees of a failure is generic ("could not connect"), never an internal detail.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import ssl
import threading
from dataclasses import dataclass
from urllib.parse import urlsplit

from urllib3.connection import HTTPConnection, HTTPSConnection

MAX_BODY_READ = 64 * 1024  # of the receiver's answer; the rest is not read


class Refused(ValueError):
    """The destination is not one Mayfly may send to; the message is safe to show."""


@dataclass(frozen=True)
class Destination:
    scheme: str
    host: str
    port: int
    target: str  # path and query


@dataclass(frozen=True)
class Result:
    status: int | None
    error: str | None  # generic words for the user

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def parse(url: str, allow_private: bool) -> Destination:
    """https://host[:port]/path (http:// too when private destinations are allowed)."""
    parts = urlsplit(url.strip())
    schemes = ("https", "http") if allow_private else ("https",)
    if parts.scheme not in schemes or not parts.hostname or parts.username or parts.password:
        words = "https://… or http://…" if allow_private else "https://…"
        raise Refused(f"A webhook URL is {words} with a host name.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise Refused("That URL's port is not valid.") from None
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Destination(parts.scheme, parts.hostname, port, target)


IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# Never a destination, whatever the operator allows.
NEVER = tuple(ipaddress.ip_network(network) for network in (
    "0.0.0.0/8",  # "this network"
    "100.64.0.0/10",  # shared address space (carrier-grade NAT): someone's inside
    "192.0.0.0/24",  # IETF protocol assignments: DS-Lite's 192.0.0.8 and the like
    "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24",  # documentation
    "192.88.99.0/24",  # 6to4 relay anycast
    "198.18.0.0/15",  # benchmarking
    "240.0.0.0/4", "255.255.255.255/32",  # reserved, broadcast
    "64:ff9b::/96", "64:ff9b:1::/48",  # NAT64: an IPv4 address, possibly an internal one
    "100::/64",  # discard-only
    "2001::/32",  # Teredo: a tunnel to an IPv4 address
    "2001:2::/48",  # benchmarking
    "2001:10::/28", "2001:20::/28",  # ORCHID
    "2001:db8::/32", "3fff::/20",  # documentation
    "5f00::/16",  # SRv6 segment identifiers
    "fec0::/10",  # site-local (deprecated, still routed inside some networks)
))


def carried(ip: IPAddress) -> IPAddress:
    """The IPv4 address an IPv6 address stands for (mapped ::ffff:a.b.c.d, 6to4
    2002:a.b.c.d::/48), else the address itself."""
    if isinstance(ip, ipaddress.IPv6Address):
        inner = ip.ipv4_mapped if ip.ipv4_mapped is not None else ip.sixtofour
        if inner is not None:
            return inner
    return ip


def allowed_address(address: str, allow_private: bool) -> bool:
    """Whether Mayfly may connect to this IP address: a public unicast one (the IPv4 address
    it carries, for an IPv6 one that carries one), or a private or loopback one when the
    operator allows those; never one in NEVER, link-local, multicast, reserved, unspecified."""
    ip = carried(ipaddress.ip_address(address))
    if (any(ip in network for network in NEVER) or ip.is_link_local or ip.is_multicast
            or ip.is_unspecified or ip.is_reserved):
        return False
    return ip.is_global or (allow_private and (ip.is_private or ip.is_loopback))


def lookup(host: str, port: int) -> list[str]:
    """Every address a host name has, in the resolver's order, without repeats; OSError or
    UnicodeError when it has none. The one place Mayfly asks the resolver (tests answer here)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def resolve(destination: Destination, allow_private: bool) -> str:
    """The address to connect to: every address the name has must be allowed."""
    try:
        addresses = lookup(destination.host, destination.port)
    except (OSError, UnicodeError):
        raise Refused("That host name does not resolve.") from None
    if not addresses or not all(allowed_address(a, allow_private) for a in addresses):
        raise Refused("That host is not a public internet address.")
    return addresses[0]


def check(url: str, allow_private: bool) -> str:
    """The URL, if it may be registered now; Refused otherwise."""
    resolve(parse(url, allow_private), allow_private)
    return url.strip()


def post(url: str, body: bytes, headers: dict[str, str], *, deadline: float,
         allow_private: bool) -> Result:
    """POST once, within `deadline` seconds in all, to the address checked just now."""
    try:
        destination = parse(url, allow_private)
        address = resolve(destination, allow_private)
    except Refused as refused:
        return Result(None, str(refused))
    connection = _connection(destination, address, deadline)
    # The total deadline: whatever the receiver does, the socket is closed when it passes.
    expired = threading.Event()
    timer = threading.Timer(deadline, _abort, args=(connection, expired))
    timer.start()
    try:
        connection.request("POST", destination.target, body=body, headers={
            **headers, "Host": _host_header(destination)}, preload_content=False)
        answer = connection.getresponse()
        answer.read(MAX_BODY_READ, decode_content=False)
        return Result(answer.status, None if 200 <= answer.status < 300
                      else f"HTTP {answer.status}")
    except Exception as exc:  # anything the socket or urllib3 raises: a failed delivery
        if expired.is_set() or isinstance(exc, TimeoutError):
            return Result(None, "timed out")
        if isinstance(exc, ssl.SSLError):
            return Result(None, "TLS handshake or certificate failed")
        return Result(None, "could not connect")
    finally:
        timer.cancel()
        connection.close()


def _connection(destination: Destination, address: str,
                deadline: float) -> HTTPConnection | HTTPSConnection:
    if destination.scheme == "https":
        return HTTPSConnection(address, destination.port, timeout=deadline,
                               server_hostname=destination.host,
                               assert_hostname=destination.host)
    return HTTPConnection(address, destination.port, timeout=deadline)


def _host_header(destination: Destination) -> str:
    default = 443 if destination.scheme == "https" else 80
    host = f"[{destination.host}]" if ":" in destination.host else destination.host
    return host if destination.port == default else f"{host}:{destination.port}"


def _abort(connection: HTTPConnection, expired: threading.Event) -> None:
    expired.set()
    sock = getattr(connection, "sock", None)
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
