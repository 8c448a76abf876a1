"""API reads under wrk, side by side: Mayfly under gunicorn, MailDev, a minimal Flask + sqlite3.

Mayfly (gunicorn, 2 workers, the store holding a 50-message mailbox): the native inbox list,
one message, the htmx poll fragment when nothing changed, 1secmail's getMessages. MailDev:
its `GET /email` over the same 50 messages. Baseline: the smallest Flask + sqlite3 list
endpoint under gunicorn with 2 workers.

    .venv/bin/python bench/api_read.py [--runs 3] [--seconds 10] [--connections 20]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.baselines.flask_sqlite_app import fill
from bench.targets import MAILDEV, ROOT, _popen, _start_maildev, _stop, free_port, mayfly_env
from tests.factories import build_eml

WORKERS = "2"


def wait_http(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} never answered")


def wrk(url: str, seconds: int, connections: int) -> tuple[float, float, float]:
    """Requests/s, p50 and p99 latency in ms."""
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url],
                         capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in out:
        raise RuntimeError(f"{url} answered errors under load:\n{out}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def percentile(name: str) -> float:
        value, unit = re.search(rf"{name}\s+([\d.]+)(us|ms|s)", out).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    return rate, percentile("50%"), percentile("99%")


def start_mayfly(workdir: Path) -> tuple[subprocess.Popen[bytes], str, dict[str, str]]:
    from app import create_app
    from app.config import Settings
    from app.services import delivery, domains

    env = {**mayfly_env(workdir, free_port()), "RATELIMIT_DEFAULT": "100000000 per minute"}
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT,
                   env={**os.environ, **env}, check=True, capture_output=True)
    app = create_app(Settings.from_env(env, instance_path=workdir))
    with app.app_context():
        domains.sync_configured()
        for i in range(50):
            delivery.deliver("a@example.org", ["bench@mayfly.test"],
                             build_eml(to="bench@mayfly.test", subject=f"Message {i}",
                                       text="Hello " * 100))
    port = free_port()
    server = _popen([sys.executable, "-m", "gunicorn", "wsgi:app", "-w", WORKERS, "-b",
                     f"127.0.0.1:{port}", "--worker-class", "gthread", "--threads", "8"], env)
    base = f"http://127.0.0.1:{port}"
    wait_http(base + "/api/v1/domains")
    listing = json.load(urllib.request.urlopen(base + "/api/v1/mailboxes/bench@mayfly.test/messages"))
    message_id = listing["messages"][0]["id"]
    page = urllib.request.urlopen(base + "/inbox/bench@mayfly.test").read().decode()
    poll = re.search(r'hx-get="([^"]+)"', page).group(1).replace("&amp;", "&")
    urls = {
        "mayfly: inbox list (50)": base + "/api/v1/mailboxes/bench@mayfly.test/messages",
        "mayfly: one message": f"{base}/api/v1/messages/{message_id}",
        "mayfly: idle htmx poll (204)": base + poll,
        "mayfly: 1secmail getMessages": base + "/compat/1secmail/api/v1/?action=getMessages"
                                               "&login=bench&domain=mayfly.test",
    }
    return server, base, urls


def start_maildev(workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    import smtplib

    smtp_port = free_port()
    if not MAILDEV.exists():
        _start_maildev(smtp_port, workdir).kill()
    web_port = free_port()
    server = _popen([str(MAILDEV), "--smtp", str(smtp_port), "--web", str(web_port),
                     "--ip", "127.0.0.1", "--silent"])
    base = f"http://127.0.0.1:{web_port}"
    wait_http(base + "/email")
    with smtplib.SMTP("127.0.0.1", smtp_port) as smtp:
        for i in range(50):
            smtp.sendmail("a@example.org", ["bench@mayfly.test"],
                          build_eml(to="bench@mayfly.test", subject=f"Message {i}",
                                    text="Hello " * 100))
    return server, base + "/email"


def start_baseline(workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    db = workdir / "baseline.db"
    fill(str(db))
    port = free_port()
    server = _popen([sys.executable, "-m", "gunicorn", "bench.baselines.flask_sqlite_app:app",
                     "-w", WORKERS, "-b", f"127.0.0.1:{port}"], {"BASELINE_DB": str(db)})
    url = f"http://127.0.0.1:{port}/messages"
    wait_http(url)
    return server, url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=20)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="mayfly-bench-read-"))
    servers = []
    try:
        mayfly, _, urls = start_mayfly(workdir)
        maildev, maildev_url = start_maildev(workdir)
        baseline, baseline_url = start_baseline(workdir)
        servers = [mayfly, maildev, baseline]
        urls = {**urls, "maildev: GET /email (50)": maildev_url,
                "flask+sqlite3 baseline (50)": baseline_url}
        results: dict[str, list[tuple[float, float, float]]] = {}
        for run in range(args.runs):
            for name, url in urls.items():
                results.setdefault(name, []).append(wrk(url, args.seconds, args.connections))
                print(f"run {run + 1} {name:32} {results[name][-1][0]:8.0f} req/s", flush=True)
    finally:
        for server in servers:
            _stop(server)
        shutil.rmtree(workdir, ignore_errors=True)
    maildev_rate = statistics.median(r[0] for r in results["maildev: GET /email (50)"])
    print(f"\nwrk -t2 -c{args.connections} -d{args.seconds}s, median of {args.runs} runs\n")
    print("| endpoint | requests/s | ratio to MailDev | p50 ms | p99 ms |")
    print("|---|---|---|---|---|")
    for name, runs in results.items():
        rate = statistics.median(r[0] for r in runs)
        print(f"| {name} | {rate:.0f} | {rate / maildev_rate:.2f}× | "
              f"{statistics.median(r[1] for r in runs):.2f} | "
              f"{statistics.median(r[2] for r in runs):.2f} |")


if __name__ == "__main__":
    os.chdir(ROOT)
    main()
