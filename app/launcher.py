"""`scripts/serve`: migrate, then run the web app (gunicorn, gevent workers), the SMTP sidecar
and, for more than one web worker, a private Redis that holds their shared rate limits and
quotas; until Ctrl-C stops them all.

Each "… on …" line is printed once that part really accepts connections.
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

from app import ROOT, create_app
from app.config import ConfigError, Settings

READY_SECONDS = 60


def main() -> int:
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        print(f"mayfly: {exc}", file=sys.stderr)
        return 2
    _migrate(settings)
    children: list[subprocess.Popen[bytes]] = []
    env = dict(os.environ)
    if settings.web_workers > 1 and "RATELIMIT_STORAGE_URI" not in os.environ:
        redis = _private_redis(settings.instance_path)
        if redis is None:
            print("mayfly: redis-server is not installed; running one web worker so the rate "
                  "limits hold (install Debian's redis-server for more)", flush=True)
            env["WEB_WORKERS"] = "1"
        else:
            children.append(redis[0])
            env["RATELIMIT_STORAGE_URI"] = redis[1]
    env.setdefault("PROMETHEUS_MULTIPROC_DIR", str(_metrics_dir(settings.instance_path)))
    python = sys.executable
    children.append(subprocess.Popen([  # noqa: S603 - our own interpreter and arguments
        python, "-m", "gunicorn", "-c", "python:app.http.gunicorn_config", "wsgi:app"],
        cwd=ROOT, env=env))
    children.append(subprocess.Popen([python, "smtpd_runner.py"], cwd=ROOT, env=env))  # noqa: S603
    return _supervise(children, settings)


def _migrate(settings: Settings) -> None:
    from flask_migrate import upgrade

    from app.services import domains

    app = create_app(settings)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        domains.sync_configured()


def _metrics_dir(instance: Path) -> Path:
    """Where web workers and SMTP processes write their counts for /metrics; emptied at each
    start, so a run's figures begin at zero and dead processes leave nothing behind."""
    folder = instance / "metrics"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def _private_redis(instance: Path) -> tuple[subprocess.Popen[bytes], str] | None:
    """A Redis on a Unix socket only this user can open, saving to the instance folder."""
    server = shutil.which("redis-server")
    if server is None:
        return None
    instance.mkdir(parents=True, exist_ok=True)
    sock = instance / "redis.sock"
    if len(str(sock)) > 100:  # Unix socket paths are short
        sock = Path(tempfile.mkdtemp(prefix="mayfly-redis-")) / "redis.sock"
    sock.unlink(missing_ok=True)
    process = subprocess.Popen([  # noqa: S603
        server, "--port", "0", "--unixsocket", str(sock), "--unixsocketperm", "700",
        "--dir", str(instance), "--dbfilename", "redis.rdb", "--save", "60 1",
        "--appendonly", "no", "--loglevel", "warning"], stdout=subprocess.DEVNULL)
    if not _wait_for(lambda: _connect_unix(sock), process):
        process.kill()
        return None
    return process, f"redis+unix://{sock}"


def _connect_unix(path: Path) -> None:
    with socket.socket(socket.AF_UNIX) as client:
        client.connect(str(path))


def _connect_tcp(host: str, port: int) -> None:
    socket.create_connection((host, port), timeout=1).close()


def _wait_for(check: Callable[[], object], process: subprocess.Popen[bytes]) -> bool:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline and process.poll() is None:
        try:
            check()
            return True
        except OSError:
            time.sleep(0.1)
    return False


def _supervise(children: list[subprocess.Popen[bytes]], settings: Settings) -> int:
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    web, smtp = children[-2], children[-1]
    host = "127.0.0.1" if settings.web_host in ("0.0.0.0", "") else settings.web_host  # noqa: S104
    if _wait_for(lambda: _connect_tcp(host, settings.web_port), web):
        print(f"mayfly: web  on http://{settings.web_host}:{settings.web_port}/", flush=True)
    smtp_host = "127.0.0.1" if settings.smtp_host in ("0.0.0.0", "") else settings.smtp_host  # noqa: S104
    if _wait_for(lambda: _connect_tcp(smtp_host, settings.smtp_port), smtp):
        print(f"mayfly: SMTP on {settings.smtp_host}:{settings.smtp_port} "
              f"for {', '.join(settings.mail_domains)}", flush=True)
    print("mayfly: Ctrl-C stops everything", flush=True)
    while not stopping and all(child.poll() is None for child in children):
        time.sleep(0.2)
    # Web and SMTP first, so they stop with the store of limits still there.
    for group in (children[-2:], children[:-2]):
        for child in group:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in group:
            try:
                child.wait(timeout=40)
            except subprocess.TimeoutExpired:
                child.kill()
    failed = [c for c in children if c.returncode not in (0, -signal.SIGTERM)]
    return 0 if stopping and not failed else 1


if __name__ == "__main__":
    os.chdir(ROOT)
    sys.exit(main())
