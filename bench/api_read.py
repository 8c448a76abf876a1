"""API reads under wrk, side by side in one run: Mayfly as scripts/serve runs it, MailDev,
and the smallest Flask + sqlite3 endpoints under gunicorn with 2 workers.

The same 100 messages everywhere (sent over SMTP to Mayfly and MailDev, inserted into the
baseline's table). Mayfly: the native list and one message, the idle htmx poll, and each
public dialect's list and read. MailDev: `GET /email` and `GET /email/{id}`. Baseline:
`GET /messages` (100) and `GET /messages/{id}`. Targets run interleaved; medians of --runs.

    .venv/bin/python bench/api_read.py [--runs 3] [--seconds 10] [--connections 20]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import smtplib
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.baselines.flask_sqlite_app import fill
from bench.launch import Mayfly
from bench.targets import MAILDEV, _popen, _start_maildev, _stop, free_port
from tests.factories import build_eml

MESSAGES = 100
ADDRESS = "bench@mayfly.test"


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


def send(port: int) -> None:
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for i in range(MESSAGES):
            smtp.sendmail("a@example.org", [ADDRESS], build_eml(
                to=ADDRESS, subject=f"Message {i}", text="Hello " * 100))


def settled_poll(base: str, seconds: float = 300) -> str:
    """The inbox's polled URL once nothing in it will change: every message has its sender
    checks (they finish after the mail is stored). A poll that knows an older version renders
    the whole list (200) instead of the idle answer (204) this row is meant to measure."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        page = urllib.request.urlopen(f"{base}/inbox/{ADDRESS}").read().decode()
        poll = re.search(r'hx-get="([^"]+/list[^"]*)"', page).group(1).replace("&amp;", "&")
        if poll.endswith("-0") and urllib.request.urlopen(base + poll).status == 204:
            return poll  # the version's last field: messages still awaiting their checks
        time.sleep(1)
    raise RuntimeError("the sender checks never finished; no idle poll to measure")


def start_mayfly(workdir: Path) -> tuple[Mayfly, dict[str, str]]:
    mayfly = Mayfly(workdir / "mayfly").start()
    send(mayfly.smtp_port)
    base = mayfly.base
    listing = json.load(urllib.request.urlopen(
        f"{base}/api/v1/mailboxes/{ADDRESS}/messages?limit=100"))
    message_id = listing["messages"][0]["id"]
    php = f"{base}/compat/tempmail-php/api.php"
    # tempmail-php marks what it shows read: do it now, so the inbox version the idle poll
    # knows stays current for the whole run.
    urllib.request.urlopen(f"{php}/email/{message_id}").read()
    poll = settled_poll(base)
    onesec = f"{base}/compat/1secmail/api/v1/?login=bench&domain=mayfly.test&action="
    return mayfly, {
        "mayfly: list (100)": f"{base}/api/v1/mailboxes/{ADDRESS}/messages?limit=100",
        "mayfly: one message": f"{base}/api/v1/messages/{message_id}",
        "mayfly: idle htmx poll (204)": base + poll,
        "mayfly: 1secmail getMessages": onesec + "getMessages",
        "mayfly: 1secmail readMessage": f"{onesec}readMessage&id={message_id}",
        "mayfly: tempmail-php inbox": f"{php}/inbox/{ADDRESS}",
        "mayfly: tempmail-php email": f"{php}/email/{message_id}",
    }


def start_maildev(workdir: Path) -> tuple[object, dict[str, str]]:
    smtp_port = free_port()
    if not MAILDEV.exists():
        _start_maildev(smtp_port, workdir).kill()
    web_port = free_port()
    server = _popen([str(MAILDEV), "--smtp", str(smtp_port), "--web", str(web_port),
                     "--ip", "127.0.0.1", "--silent"])
    base = f"http://127.0.0.1:{web_port}"
    wait_http(base + "/email")
    send(smtp_port)
    first = json.load(urllib.request.urlopen(base + "/email"))[0]["id"]
    return server, {"maildev: list (100)": base + "/email",
                    "maildev: one message": f"{base}/email/{first}"}


def start_baseline(workdir: Path) -> tuple[object, dict[str, str]]:
    db = workdir / "baseline.db"
    fill(str(db), MESSAGES)
    port = free_port()
    server = _popen([sys.executable, "-m", "gunicorn", "bench.baselines.flask_sqlite_app:app",
                     "-w", "2", "-b", f"127.0.0.1:{port}"], {"BASELINE_DB": str(db)})
    base = f"http://127.0.0.1:{port}"
    wait_http(base + "/messages")
    return server, {"baseline: list (100)": base + "/messages",
                    "baseline: one message": base + "/messages/1"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=20)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="mayfly-bench-read-"))
    mayfly, others = None, []
    results: dict[str, list[tuple[float, float, float]]] = {}
    try:
        mayfly, urls = start_mayfly(workdir)
        for start in (start_maildev, start_baseline):
            server, more = start(workdir)
            others.append(server)
            urls.update(more)
        for run in range(args.runs):
            for name, url in urls.items():
                results.setdefault(name, []).append(wrk(url, args.seconds, args.connections))
                if "(204)" in name and urllib.request.urlopen(url).status != 204:
                    raise RuntimeError(f"{name} stopped being idle: the inbox changed")
                print(f"run {run + 1} {name:32} {results[name][-1][0]:8.0f} req/s", flush=True)
    finally:
        if mayfly is not None:
            mayfly.stop()
        for server in others:
            _stop(server)
        shutil.rmtree(workdir, ignore_errors=True)
    report(results, args)


def report(results: dict[str, list[tuple[float, float, float]]], args: argparse.Namespace) -> None:
    def rate(name: str) -> float:
        return statistics.median(r[0] for r in results[name])

    print(f"\nwrk -t2 -c{args.connections} -d{args.seconds}s, median of {args.runs} runs\n")
    print("| endpoint | requests/s | × baseline | × MailDev | p50 ms | p99 ms |")
    print("|---|---|---|---|---|---|")
    for name, runs in results.items():
        kind = "one message" if ("message" in name and "Messages" not in name
                                 and "list" not in name) or name.endswith("email") \
            or "readMessage" in name else "list (100)"
        baseline, maildev = rate(f"baseline: {kind}"), rate(f"maildev: {kind}")
        print(f"| {name} | {rate(name):.0f} | {rate(name) / baseline:.2f}× | "
              f"{rate(name) / maildev:.2f}× | {statistics.median(r[1] for r in runs):.1f} | "
              f"{statistics.median(r[2] for r in runs):.1f} |")


if __name__ == "__main__":
    os.chdir(Path(__file__).resolve().parent.parent)
    main()
