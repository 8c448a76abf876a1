"""Who holds a TCP port: the launcher names the process before it starts anything, so a port
left taken is never a mystery. Read from /proc, as far as this user may look."""

from __future__ import annotations

import errno
import os
import socket
from collections.abc import Iterator
from pathlib import Path


def port_holder(host: str, port: int) -> str | None:
    """None if `host:port` can be listened on; else who holds it, as far as this user can
    see: "pid 123 (its command line)", or "another process (of user x)"."""
    try:
        addresses = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM,
                                       flags=socket.AI_PASSIVE)
    except socket.gaierror:
        return None  # the part itself says what is wrong with the address
    for family, kind, proto, _, address in addresses:
        with socket.socket(family, kind, proto) as probe:
            # As gunicorn and aiosmtpd do: a connection closing on the port does not count.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(address)
            except OSError as exc:
                if exc.errno == errno.EADDRINUSE:
                    return _describe_holders(port)
    return None


def _describe_holders(port: int) -> str:
    inodes, users = _socket_inodes(port)
    holders = sorted({pid for pid, inode in _process_sockets() if inode in inodes})
    if holders:
        return ", ".join(f"pid {pid} ({_command(pid)})" for pid in holders)
    owner = ""
    if users:
        import pwd

        names = []
        for uid in sorted(users):
            try:
                names.append(pwd.getpwuid(uid).pw_name)
            except KeyError:
                names.append(f"uid {uid}")
        owner = f" of user {', '.join(names)}"
    return f"another process{owner}"


def _socket_inodes(port: int) -> tuple[set[str], set[int]]:
    """The inodes of TCP sockets bound to this local port (listening ones if any), and the
    users who own them, from /proc/net/tcp and tcp6."""
    listening: set[str] = set()
    bound: set[str] = set()
    users: set[int] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) < 10 or int(fields[1].rsplit(":", 1)[1], 16) != port:
                continue
            inode = fields[9]
            if inode == "0":  # TIME_WAIT and the like: no process holds it
                continue
            (listening if fields[3] == "0A" else bound).add(inode)
            users.add(int(fields[7]))
    return (listening or bound), users


def _process_sockets() -> Iterator[tuple[int, str]]:
    """(pid, socket inode) of every socket of every process this user may look at."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fds = list((entry / "fd").iterdir())
        except OSError:
            continue
        for fd in fds:
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:["):
                yield int(entry.name), target[8:-1]


def _command(pid: int) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return "?"
    command = raw.replace(b"\0", b" ").decode(errors="replace").strip()
    return command if len(command) <= 120 else command[:117] + "..."
