"""How gunicorn runs Mayfly: `gunicorn -c python:app.run.gunicorn_config wsgi:app`.

Settings come from the same environment as everything else (WEB_HOST, WEB_PORT,
WEB_WORKERS, WEB_CONNECTIONS). The worker is app.run.gunicorn_worker.MayflyWorker (gevent).
Rate limits and quotas only mean what they say when every worker counts in one place, so
more than one worker on memory:// storage is refused at start with one line that says why.
"""

from gevent import monkey

# Before anything imports ssl or threading: the master forks gevent workers, and the app's
# modules are imported here already (for the settings).
monkey.patch_all()

import logging  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from typing import Any  # noqa: E402

from app.config import load_or_report  # noqa: E402

_settings = load_or_report()
if _settings is None:
    sys.exit(2)

# Every worker counts for /metrics into one folder (prometheus-client's multi-process mode);
# scripts/serve shares its folder with the SMTP sidecar, a bare gunicorn gets a fresh one.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="mayfly-metrics-")

bind = [f"{_settings.web_host}:{_settings.web_port}"]
workers = _settings.web_workers
worker_class = "app.run.gunicorn_worker.MayflyWorker"
worker_connections = _settings.web_connections
# A stop ends waits and streams at once (see the worker); ordinary requests get this long.
# scripts/serve passes a shorter one (--graceful-timeout): it stops everything within 10 s.
graceful_timeout = 30
# A gevent worker blocked in SQLite's busy wait misses its heartbeat: the arbiter must not
# kill it (and every stream it holds) before the wait can end (app.extensions).
timeout = 2 * 30
keepalive = 5
accesslog = "-"
control_socket_disable = True  # one gunicorn per instance; nothing uses gunicornc
# A proxy in front is expected in production (README); these bound what a client may send.
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
FILE_LIMIT = 65536  # each open stream or wait is a socket: raise the soft limit for them


def on_starting(server: Any) -> None:
    """Refuse a configuration whose limits would not hold, before any worker starts."""
    if server.cfg.workers > 1 and _settings.ratelimit_storage_uri.startswith("memory://"):
        message = (f"mayfly: {server.cfg.workers} web workers need a shared limit store: set "
                   "RATELIMIT_STORAGE_URI=redis://… (scripts/serve starts one) or "
                   "WEB_WORKERS=1")
        print(message, file=sys.stderr)
        logging.getLogger("gunicorn.error").error(message)
        sys.exit(2)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = FILE_LIMIT if hard == resource.RLIM_INFINITY else min(FILE_LIMIT, hard)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def child_exit(server: Any, worker: Any) -> None:
    """A worker that ended leaves no open streams or waits behind in /metrics."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def worker_exit(server: Any, worker: Any) -> None:
    """A worker on its way out ends what its app runs in the background (the new-mail
    watcher) and closes its store connections."""
    from flask import Flask

    from app.services.runtime.background import dispose

    app = getattr(worker, "wsgi", None)
    if isinstance(app, Flask):
        dispose(app, timeout=2.0)
