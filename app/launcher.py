"""`scripts/serve`: migrate, then run the web app (gunicorn, gevent workers), the SMTP sidecar
and, for more than one web worker, a private Redis that holds their shared rate limits and
quotas; until Ctrl-C stops them all.

Each "… on …" line is printed once that part really accepts connections.

A port already taken is named at start, with the process holding it, and nothing starts.
Each part runs in a process group (a session) of its own, with everything it starts (gunicorn's
workers, the SMTP sidecar's worker processes). Ctrl-C, SIGTERM or SIGHUP stops them all
within STOP_SECONDS: web and SMTP first (SIGTERM to each whole group: they finish what is under
way), then Redis; a group still alive at its deadline is killed (SIGKILL), every process in
it. A second Ctrl-C while stopping kills everything at once. The launcher returns only once
no process of any group is left.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from app import ROOT, create_app, dispose
from app.config import ConfigError, Settings

READY_SECONDS = 60
STOP_SECONDS = 8.0  # from the signal to the last process gone, SIGKILL included
BACK_SECONDS = 1.5  # of which Redis, stopped last, gets at least this long
WEB_GRACE_SECONDS = 4  # gunicorn's graceful timeout here: then it kills its own workers
SMTP_NAME, WEB_NAME, REDIS_NAME = "SMTP", "web", "Redis"
_PR_SET_PDEATHSIG = 1


class Child:
    """One part, in a process group of its own (led by `process`)."""

    def __init__(self, name: str, process: subprocess.Popen[bytes]) -> None:
        self.name, self.process = name, process
        self.pgid = process.pid  # start_new_session: the child leads its own group

    def alive(self) -> bool:
        """Whether any process of the group still runs (zombies do not count)."""
        return self.process.poll() is None or bool(_group_members(self.pgid))

    def signal(self, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pgid, sig)


class Supervisor:
    """The children, and the signals that stop them."""

    def __init__(self) -> None:
        self.children: list[Child] = []
        self.signals = 0
        self._signals_at_stop = 0
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, self._on_signal)

    @property
    def stopping(self) -> bool:
        return self.signals > 0

    @property
    def hurry(self) -> bool:
        """A signal came while stopping: kill what is left at once."""
        return self.signals > self._signals_at_stop

    def _on_signal(self, *_: object) -> None:
        self.signals += 1

    def spawn(self, name: str, argv: list[str], env: dict[str, str],
              stdout: int | None = None) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=stdout,  # noqa: S603 - ours
                                   start_new_session=True, preexec_fn=_stop_with_parent())
        self.children.append(Child(name, process))
        return process

    def child(self, name: str) -> Child | None:
        return next((c for c in self.children if c.name == name), None)

    def stop(self) -> bool:
        """Stop every group; True if all stopped by themselves, before their deadline."""
        started = time.monotonic()
        self._signals_at_stop = self.signals  # any signal after this one: hurry
        front = [c for c in self.children if c.name != REDIS_NAME]
        back = [c for c in self.children if c.name == REDIS_NAME]
        clean = True
        for group, deadline in ((front, started + STOP_SECONDS - BACK_SECONDS),
                                (back, started + STOP_SECONDS)):
            for child in group:
                child.signal(signal.SIGTERM)
            clean &= self._wait(group, deadline)
            for child in group:
                if child.alive():
                    print(f"mayfly: {child.name} " + ("killed at once" if self.hurry else
                          "did not stop in time; killing it"), flush=True)
                    child.signal(signal.SIGKILL)
        for child in self.children:  # reap; a killed group is gone at once
            try:
                child.process.wait(timeout=2)
            except subprocess.TimeoutExpired:
                print(f"mayfly: {child.name} (pid {child.process.pid}) did not die",
                      file=sys.stderr, flush=True)
        self._wait(self.children, time.monotonic() + 2, hurry=False)
        return clean

    def _wait(self, group: list[Child], deadline: float, hurry: bool = True) -> bool:
        """Until every process of these groups is gone (True), or the deadline passes, or
        (with `hurry`) another signal asks to stop at once (False)."""
        while any(child.alive() for child in group):
            if time.monotonic() >= deadline:
                return False
            if hurry and self.hurry:
                return False
            time.sleep(0.05)
        return True


def main() -> int:
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        print(f"mayfly: {exc}", file=sys.stderr)
        return 2
    taken = [f"mayfly: the {what} port {host}:{port} is in use by {holder}; stop it or set "
             f"{variable}" for what, variable, host, port in (
                 (WEB_NAME, "WEB_PORT", settings.web_host, settings.web_port),
                 (SMTP_NAME, "SMTP_PORT", settings.smtp_host, settings.smtp_port))
             if (holder := port_holder(host, port))]
    if taken:
        print("\n".join(taken), file=sys.stderr, flush=True)
        return 1
    supervisor = Supervisor()  # from here on a signal stops whatever has started
    _migrate(settings)
    if supervisor.stopping:
        return 0
    env = dict(os.environ)
    if settings.web_workers > 1 and "RATELIMIT_STORAGE_URI" not in os.environ:
        redis = _private_redis(settings.instance_path, supervisor, env)
        if redis is not None:
            env["RATELIMIT_STORAGE_URI"] = redis
        elif not supervisor.stopping:
            print("mayfly: redis-server is not installed; running one web worker so the rate "
                  "limits hold (install Debian's redis-server for more)", flush=True)
            env["WEB_WORKERS"] = "1"
    env.setdefault("PROMETHEUS_MULTIPROC_DIR", str(_metrics_dir(settings.instance_path)))
    python = sys.executable
    if not supervisor.stopping:
        supervisor.spawn(WEB_NAME, [
            python, "-m", "gunicorn", "-c", "python:app.http.gunicorn_config",
            "--graceful-timeout", str(WEB_GRACE_SECONDS), "wsgi:app"], env)
        supervisor.spawn(SMTP_NAME, [python, "smtpd_runner.py"], env)
    return _supervise(supervisor, settings)


def _migrate(settings: Settings) -> None:
    from flask_migrate import upgrade

    from app.services import domains

    app = create_app(settings)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        domains.sync_configured()
    dispose(app)


def _metrics_dir(instance: Path) -> Path:
    """Where web workers and SMTP processes write their counts for /metrics; emptied at each
    start, so a run's figures begin at zero and dead processes leave nothing behind."""
    folder = instance / "metrics"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def _private_redis(instance: Path, supervisor: Supervisor, env: dict[str, str]) -> str | None:
    """A Redis on a Unix socket only this user can open, saving to the instance folder."""
    server = shutil.which("redis-server")
    if server is None:
        return None
    instance.mkdir(parents=True, exist_ok=True)
    sock = instance / "redis.sock"
    if len(str(sock)) > 100:  # Unix socket paths are short
        sock = Path(tempfile.mkdtemp(prefix="mayfly-redis-")) / "redis.sock"
    sock.unlink(missing_ok=True)
    process = supervisor.spawn(REDIS_NAME, [
        server, "--port", "0", "--unixsocket", str(sock), "--unixsocketperm", "700",
        "--dir", str(instance), "--dbfilename", "redis.rdb", "--save", "60 1",
        "--appendonly", "no", "--loglevel", "warning"], env, stdout=subprocess.DEVNULL)
    if _wait_for(lambda: _connect_unix(sock), process, supervisor):
        return f"redis+unix://{sock}"
    if not supervisor.stopping:  # it never answered: do without it
        redis = supervisor.children.pop()
        redis.signal(signal.SIGKILL)
        process.wait()
    return None


def _connect_unix(path: Path) -> None:
    with socket.socket(socket.AF_UNIX) as client:
        client.connect(str(path))


def _connect_tcp(host: str, port: int) -> None:
    socket.create_connection((host, port), timeout=1).close()


def _wait_for(check: Callable[[], object], process: subprocess.Popen[bytes],
              supervisor: Supervisor) -> bool:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline and process.poll() is None and not supervisor.stopping:
        try:
            check()
            return True
        except OSError:
            time.sleep(0.1)
    return False


def _supervise(supervisor: Supervisor, settings: Settings) -> int:
    web, smtp = supervisor.child(WEB_NAME), supervisor.child(SMTP_NAME)
    if web is not None and _wait_for(
            lambda: _connect_tcp(_loopback(settings.web_host), settings.web_port),
            web.process, supervisor):
        print(f"mayfly: web  on http://{settings.web_host}:{settings.web_port}/", flush=True)
    if smtp is not None and _wait_for(
            lambda: _connect_tcp(_loopback(settings.smtp_host), settings.smtp_port),
            smtp.process, supervisor):
        print(f"mayfly: SMTP on {settings.smtp_host}:{settings.smtp_port} "
              f"for {', '.join(settings.mail_domains)}", flush=True)
    children = supervisor.children
    if not supervisor.stopping:
        print("mayfly: Ctrl-C stops everything", flush=True)
    while not supervisor.stopping and all(c.process.poll() is None for c in children):
        time.sleep(0.2)
    if supervisor.stopping:
        print("mayfly: stopping (Ctrl-C again stops at once)", flush=True)
    else:
        ended = next(c for c in children if c.process.poll() is not None)
        print(f"mayfly: {ended.name} exited ({ended.process.returncode}); stopping the rest",
              file=sys.stderr, flush=True)
    clean = supervisor.stop()
    failed = [c for c in children if c.process.returncode not in (0, -signal.SIGTERM)]
    print("mayfly: stopped", flush=True)
    return 0 if supervisor.stopping and clean and not failed else 1


def _loopback(host: str) -> str:
    return "127.0.0.1" if host in ("0.0.0.0", "") else host  # noqa: S104


def _stop_with_parent() -> Callable[[], None] | None:
    """For a child, before it runs: SIGTERM when the launcher dies, even by SIGKILL (Linux)."""
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None

    def arrange() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)

    return arrange


# Who holds a port -------------------------------------------------------------------------

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


def _group_members(pgid: int) -> list[int]:
    """The live (not zombie) processes of a process group."""
    proc = Path("/proc")
    if not proc.is_dir():
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return []
        except PermissionError:
            pass
        return [pgid]
    members = []
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses
        fields = stat[stat.rindex(")") + 2:].split()
        if len(fields) > 2 and fields[0] not in ("Z", "X") and int(fields[2]) == pgid:
            members.append(int(entry.name))
    return members


if __name__ == "__main__":
    os.chdir(ROOT)
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # Nothing left to tear down: skip the interpreter's teardown of the app's modules (a
    # second or two on a busy host), so the stop ends when the last child has.
    os._exit(code)
