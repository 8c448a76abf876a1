"""A DNS server for tests: answers TXT questions from a dict over UDP on loopback, so SPF,
DKIM and DMARC checks run against records the test publishes and nothing leaves the machine.
"""

from __future__ import annotations

import socket
import subprocess
import threading
from base64 import b64encode
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset
import pytest


@dataclass
class StubDNS:
    port: int
    txt: dict[str, str] = field(default_factory=dict)  # name (no trailing dot) -> record
    asked: list[str] = field(default_factory=list)
    silent: set[str] = field(default_factory=set)  # names never answered: the asker times out

    @property
    def server(self) -> str:
        return f"127.0.0.1:{self.port}"


@contextmanager
def stub_dns(records: dict[str, str] | None = None) -> Iterator[StubDNS]:
    """A stub DNS server publishing these TXT records (more may be added while it runs)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(0.2)
    stub = StubDNS(sock.getsockname()[1], dict(records or {}))
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                wire, peer = sock.recvfrom(4096)
            except TimeoutError:
                continue
            query = dns.message.from_wire(wire)
            answer = dns.message.make_response(query)
            question = query.question[0]
            name = question.name.to_text(omit_final_dot=True).lower()
            stub.asked.append(name)
            if name in stub.silent:
                continue
            record = stub.txt.get(name)
            if record is not None and question.rdtype == dns.rdatatype.TXT:
                # TTL 0: a record a test changes is asked again, not served from a cache.
                answer.answer.append(dns.rrset.from_text(
                    question.name, 0, "IN", "TXT",
                    " ".join(f'"{record[i:i + 255]}"' for i in range(0, len(record), 255))))
            elif record is None and not any(n == name or n.endswith("." + name)
                                            for n in stub.txt):
                answer.set_rcode(dns.rcode.NXDOMAIN)
            sock.sendto(answer.to_wire(), peer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield stub
    finally:
        stop.set()
        thread.join()
        sock.close()


@pytest.fixture(scope="module")
def key_pair() -> tuple[bytes, str]:
    """A DKIM key pair for a module's tests (registered as a plugin in tests/conftest.py)."""
    return dkim_key_pair()


def dkim_key_pair() -> tuple[bytes, str]:
    """(private key PEM, the public key as a DKIM record's p= value), made by openssl."""
    private = subprocess.run(["openssl", "genrsa", "-traditional", "2048"], capture_output=True,
                             check=True).stdout
    public = subprocess.run(["openssl", "rsa", "-pubout", "-outform", "DER"], input=private,
                            capture_output=True, check=True).stdout
    return private, b64encode(public).decode()
