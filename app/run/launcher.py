"""`scripts/serve`: migrate, then run the web app (gunicorn, gevent workers), the SMTP sidecar,
the MCP door for agents (`python -m app.mcp`) and, for more than one web worker, a private
Redis that holds their shared rate limits and quotas; until Ctrl-C stops them all.

Each "… on …" line is printed once that part really accepts connections.

A port already taken is named at start, with the process holding it, and nothing starts
(ports.py). Each part runs in a process group (a session) of its own, with everything
it starts (gunicorn's workers, the SMTP sidecar's worker processes). Ctrl-C, SIGTERM or SIGHUP
stops them all within STOP_SECONDS (groups.py): web and SMTP first (SIGTERM to each
whole group: they finish what is under way), then Redis; a group still alive at its deadline
is killed (SIGKILL), every process in it. A second Ctrl-C while stopping kills everything at
once. The launcher returns only once no process of any group is left.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from app import ROOT, create_app, dispose
from app.config import Settings, load_or_report
from app.run.groups import REDIS_NAME, Supervisor
from app.run.ports import port_holder

READY_SECONDS = 60
WEB_GRACE_SECONDS = 4  # gunicorn's graceful timeout here: then it kills its own workers
SMTP_NAME, WEB_NAME, MCP_NAME = "SMTP", "web", "MCP"


def main() -> int:
    settings = load_or_report()
    if settings is None:
        return 2
    taken = [f"mayfly: the {what} port {host}:{port} is in use by {holder}; stop it or set "
             f"{variable}" for what, variable, host, port in (
                 (WEB_NAME, "WEB_PORT", settings.web_host, settings.web_port),
                 (SMTP_NAME, "SMTP_PORT", settings.smtp_host, settings.smtp_port),
                 (MCP_NAME, "MCP_PORT", settings.mcp_host, settings.mcp_port))
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
            python, "-m", "gunicorn", "-c", "python:app.run.gunicorn_config",
            "--graceful-timeout", str(WEB_GRACE_SECONDS), "wsgi:app"], env)
        supervisor.spawn(SMTP_NAME, [python, "smtpd_runner.py"], env)
        # The MCP door prints its own "on" line once it listens (app/mcp/__main__.py).
        supervisor.spawn(MCP_NAME, [python, "-m", "app.mcp"], env)
    return _supervise(supervisor, settings)


def _migrate(settings: Settings) -> None:
    from flask_migrate import upgrade

    from app.services.mailbox_life import domains

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
    mcp = supervisor.child(MCP_NAME)
    if mcp is not None:
        _wait_for(lambda: _connect_tcp(_loopback(settings.mcp_host), settings.mcp_port),
                  mcp.process, supervisor)
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


if __name__ == "__main__":
    os.chdir(ROOT)
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # Nothing left to tear down: skip the interpreter's teardown of the app's modules (a
    # second or two on a busy host), so the stop ends when the last child has.
    os._exit(code)
