"""The scale-out topology on one host, from Debian's packages: one PostgreSQL, one Redis,
nginx in front of two web processes (gunicorn, gevent workers), and two independent SMTP
sidecars sharing port 2525.

    .venv/bin/python deploy/topology.py          # runs until Ctrl-C, printing where things are

It is the same shape as deploy/docker-compose.yml, which cannot run where there is no Docker
engine. Each web process and each SMTP sidecar here stands for one host: the web processes
behind nginx (deploy/nginx.conf), the sidecars behind a TCP load balancer.

nginx serves https://localhost:<web_port> (PUBLIC_URL), with a self-signed certificate made
here by openssl (`certificate`: give it to a client as the CA to trust), redirects plain HTTP
on `http_port` there, and answers nothing to any other host name.
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
HOST = "localhost"  # the one name nginx serves here


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


def self_signed_certificate(folder: Path, name: str = HOST) -> tuple[Path, Path]:
    """A certificate for `name` (and 127.0.0.1) and its key, for two days: what a test or a
    laptop has instead of a CA's."""
    certificate, key = folder / "tls-certificate.pem", folder / "tls-key.pem"
    subprocess.run(["openssl", "req", "-x509", "-nodes", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-days", "2", "-subj", f"/CN={name}",
                    "-addext", f"subjectAltName=DNS:{name},IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(certificate)],
                   check=True, capture_output=True)
    return certificate, key


def nginx_config(*, http_listen: str, https_listen: str, server_names: str, public_url: str,
                 certificate: Path, certificate_key: Path, upstreams: list[str]) -> str:
    """deploy/nginx.conf with its placeholders filled in (not those its comments name)."""
    values = {"HTTP_LISTEN": http_listen, "HTTPS_LISTEN": https_listen,
              "SERVER_NAMES": server_names, "PUBLIC_URL": public_url,
              "CERTIFICATE": str(certificate), "CERTIFICATE_KEY": str(certificate_key),
              "UPSTREAMS": "\n".join(f"        server {u};" for u in upstreams)}
    lines = (ROOT / "deploy" / "nginx.conf").read_text().splitlines(keepends=True)
    for i, line in enumerate(lines):
        if not line.lstrip().startswith("#"):
            for name, value in values.items():
                line = line.replace(f"@{name}@", value)
            lines[i] = line
    return "".join(lines)


@dataclass
class Topology:
    smtp_port: int = 2525
    web_port: int = 8443  # nginx's HTTPS port: PUBLIC_URL is https://localhost:<web_port>
    http_port: int = 0  # nginx's plain HTTP port, which redirects there (0: any free port)
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="mayfly-topo-")))
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    database_url: str = ""
    redis_url: str = ""

    web_processes: int = 2
    smtp_sidecars: int = 2
    settings: dict[str, str] = field(default_factory=dict)  # more environment for Mayfly

    @property
    def base(self) -> str:
        """Where clients reach Mayfly, through nginx: its PUBLIC_URL."""
        return f"https://{HOST}:{self.web_port}"

    @property
    def certificate(self) -> Path:
        """nginx's self-signed certificate: the CA file a client trusts."""
        return self.workdir / "tls-certificate.pem"

    def env(self, web_port: int | None = None) -> dict[str, str]:
        return {**os.environ, "DATABASE_URL": self.database_url,
                "RATELIMIT_STORAGE_URI": self.redis_url, "SECRET_KEY": SECRET,
                "SMTP_PORT": str(self.smtp_port), "WEB_PORT": str(web_port or 0),
                "PROXY_COUNT": "1", "INSTANCE_PATH": str(self.workdir),
                "PUBLIC_URL": self.base,
                "SMTP_PROCESSES": "1", "MAILBOX_QUOTA": "0", "MAIL_DOMAINS": "mayfly.test",
                **self.settings}

    def start(self) -> None:
        """Start every part; if one fails, stop those already started (none is left behind)."""
        try:
            self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> None:
        self._postgres()
        self._redis()
        subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
                       cwd=ROOT, env=self.env(), check=True, capture_output=True)
        web_ports = [_free_port() for _ in range(self.web_processes)]
        for port in web_ports:  # one gunicorn per "host", each with its gevent workers
            self._spawn([sys.executable, "-m", "gunicorn", "-c",
                         "python:app.run.gunicorn_config", "wsgi:app"], self.env(port))
        for _ in range(self.smtp_sidecars):  # as on several hosts: SO_REUSEPORT shares the port
            self._spawn([sys.executable, "smtpd_runner.py"])
        for port in web_ports:
            self._wait(port)
        self._nginx(web_ports)
        self._wait(self.smtp_port)
        self._wait(self.web_port)
        self._wait(self.http_port)

    def _nginx(self, web_ports: list[int]) -> None:
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        if not Path(nginx).exists():
            raise SystemExit("install Debian's nginx package first")
        certificate, key = self_signed_certificate(self.workdir)
        self.http_port = self.http_port or _free_port()
        config = nginx_config(
            http_listen=f"127.0.0.1:{self.http_port}", https_listen=f"127.0.0.1:{self.web_port}",
            server_names=HOST, public_url=self.base, certificate=certificate,
            certificate_key=key, upstreams=[f"127.0.0.1:{p}" for p in web_ports])
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
    print(f"web   {topology.base}/ (nginx, two gunicorn processes; self-signed certificate "
          f"{topology.certificate}; http://{HOST}:{topology.http_port}/ redirects there)")
    print(f"smtp  127.0.0.1:{topology.smtp_port} (two sidecars sharing the port)")
    print(f"store {topology.database_url}\nlimits {topology.redis_url}\nCtrl-C stops it all")
    try:
        signal.sigwait({signal.SIGINT, signal.SIGTERM})
    finally:
        topology.stop()


if __name__ == "__main__":
    main()
