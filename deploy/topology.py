"""The scale-out topology on one host, from Debian's packages: one PostgreSQL, one Redis,
nginx in front of two web processes (gunicorn, gevent workers), and two independent SMTP
sidecars sharing port 2525.

    .venv/bin/python deploy/topology.py          # runs until Ctrl-C, printing where things are

It is the same shape as deploy/docker-compose.yml, which cannot run where there is no Docker
engine. Each web process and each SMTP sidecar here stands for one host: the web processes
behind nginx (deploy/nginx.conf), the sidecars behind a TCP load balancer.
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
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECRET = "topology-" + "0123456789abcdef" * 3


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_postgres(args: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root; root runs it as Debian's postgres user.
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


def _pg_bin() -> Path:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
    if not versions:
        raise SystemExit("install Debian's postgresql package first")
    return versions[-1]


@dataclass
class Topology:
    smtp_port: int = 2525
    web_port: int = 8000
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="mayfly-topo-")))
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    database_url: str = ""
    redis_url: str = ""

    web_processes: int = 2
    smtp_sidecars: int = 2
    settings: dict[str, str] = field(default_factory=dict)  # more environment for Mayfly

    def env(self, web_port: int | None = None) -> dict[str, str]:
        return {**os.environ, "DATABASE_URL": self.database_url,
                "RATELIMIT_STORAGE_URI": self.redis_url, "SECRET_KEY": SECRET,
                "SMTP_PORT": str(self.smtp_port), "WEB_PORT": str(web_port or 0),
                "PROXY_COUNT": "1", "INSTANCE_PATH": str(self.workdir),
                "SMTP_PROCESSES": "1", "MAILBOX_QUOTA": "0", "MAIL_DOMAINS": "mayfly.test",
                **self.settings}

    def start(self) -> None:
        self._postgres()
        self._redis()
        subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
                       cwd=ROOT, env=self.env(), check=True, capture_output=True)
        web_ports = [_free_port() for _ in range(self.web_processes)]
        for port in web_ports:  # one gunicorn per "host", each with its gevent workers
            self._spawn([sys.executable, "-m", "gunicorn", "-c",
                         "python:app.http.gunicorn_config", "wsgi:app"], self.env(port))
        for _ in range(self.smtp_sidecars):  # as on several hosts: SO_REUSEPORT shares the port
            self._spawn([sys.executable, "smtpd_runner.py"])
        for port in web_ports:
            self._wait(port)
        self._nginx(web_ports)
        self._wait(self.smtp_port)
        self._wait(self.web_port)

    def _nginx(self, web_ports: list[int]) -> None:
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        if not Path(nginx).exists():
            raise SystemExit("install Debian's nginx package first")
        config = (ROOT / "deploy" / "nginx.conf").read_text()
        config = config.replace("@LISTEN@", f"127.0.0.1:{self.web_port}").replace(
            "@UPSTREAMS@", "\n".join(f"        server 127.0.0.1:{p};" for p in web_ports))
        path = self.workdir / "nginx.conf"
        path.write_text(config)
        self._spawn([nginx, "-p", str(self.workdir), "-c", str(path), "-g", "daemon off;"],
                    env=dict(os.environ))

    def _spawn(self, args: list[str], env: dict[str, str] | None = None) -> None:
        self.processes.append(subprocess.Popen(args, cwd=ROOT, env=env or self.env(),
                                               stdout=subprocess.DEVNULL,
                                               stderr=subprocess.DEVNULL,
                                               start_new_session=True))

    def _postgres(self) -> None:
        data, port = self.workdir / "pg", _free_port()
        if os.geteuid() == 0:
            shutil.chown(self.workdir, "postgres")
        bin_dir = _pg_bin()
        subprocess.run(_as_postgres([str(bin_dir / "initdb"), "-D", str(data), "-U", "mayfly",
                                     "--auth=trust", "-E", "UTF8"]), check=True,
                       capture_output=True)
        subprocess.run(_as_postgres([
            str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(self.workdir / "pg.log"), "-w",
            "-o", f"-p {port} -k {self.workdir} -c listen_addresses=127.0.0.1 "
                  "-c max_connections=200", "start"]), check=True, capture_output=True)
        subprocess.run(_as_postgres([str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p",
                                     str(port), "-U", "mayfly", "mayfly"]), check=True)
        self.database_url = f"postgresql+psycopg://mayfly@127.0.0.1:{port}/mayfly"

    def _redis(self) -> None:
        port = _free_port()
        self._spawn(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                     "--appendonly", "no", "--dir", str(self.workdir)], env=dict(os.environ))
        self.redis_url = f"redis://127.0.0.1:{port}/0"
        self._wait(port)

    def _wait(self, port: int, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"nothing listens on {port}")

    def stop(self) -> None:
        for process in reversed(self.processes):
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=60)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                process.kill()
        subprocess.run(_as_postgres([str(_pg_bin() / "pg_ctl"), "-D", str(self.workdir / "pg"),
                                     "-m", "fast", "stop"]), capture_output=True)
        shutil.rmtree(self.workdir, ignore_errors=True)


def main() -> None:
    topology = Topology()
    topology.start()
    print(f"web   http://127.0.0.1:{topology.web_port}/ (nginx, two gunicorn processes)")
    print(f"smtp  127.0.0.1:{topology.smtp_port} (two sidecars sharing the port)")
    print(f"store {topology.database_url}\nlimits {topology.redis_url}\nCtrl-C stops it all")
    try:
        signal.sigwait({signal.SIGINT, signal.SIGTERM})
    finally:
        topology.stop()


if __name__ == "__main__":
    main()
