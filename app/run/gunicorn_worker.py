"""The gunicorn worker Mayfly runs: gevent, so an open stream, a long wait or a slow client
costs a greenlet and a socket, never a thread, and cannot starve ordinary requests.

Changes to gunicorn's gevent worker:
- On SIGTERM or SIGINT the process's open waits and event streams end at once (their new-mail
  watcher closes), so a stop does not wait for every open browser tab to time out.
- The answers gunicorn writes itself, before the app sees a request (400 for a malformed
  request, 414 for a request line over 8 KiB, 431 for oversized headers), carry the same
  security headers as every page, and speak the API's JSON error shape under /api.
- After each request a keep-alive connection yields to the others: a client whose next
  request is already waiting would otherwise be served again and again while the rest wait
  (under wrk, 10 % of requests waited over half a second).
- What the app holds after loading (modules, routes, templates) is frozen out of the garbage
  collector, so its full collections do not walk it again and again.
"""

from __future__ import annotations

import contextvars
import gc
import json
from typing import Any

import gevent
from gunicorn import util
from gunicorn.workers.ggevent import GeventWorker

from app.http.security_headers import STRICT_HEADERS

_request_path: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "mayfly_error_path", default=None)


class MayflyWorker(GeventWorker):
    def init_process(self) -> None:
        util.write_error = write_error  # gunicorn's own error answers, in this process
        super().init_process()

    def load_wsgi(self) -> None:
        super().load_wsgi()
        gc.freeze()

    def handle_exit(self, sig: int, frame: Any) -> None:
        super().handle_exit(sig, frame)
        gevent.spawn(self._end_waits)  # not in the signal handler: it takes locks

    def handle_quit(self, sig: int, frame: Any) -> None:
        gevent.spawn(self._end_waits)
        super().handle_quit(sig, frame)

    def _end_waits(self) -> None:
        from app.services.runtime import changes

        changes.close_all([self.wsgi])

    def handle_request(self, listener_name: Any, req: Any, sock: Any, addr: Any) -> Any:
        keep_open = super().handle_request(listener_name, req, sock, addr)
        gevent.sleep(0)  # let the other connections of this worker go first
        return keep_open

    def handle_error(self, req: Any, client: Any, addr: Any, exc: Exception) -> None:
        _request_path.set(getattr(req, "path", None))
        super().handle_error(req, client, addr, exc)


def write_error(sock: Any, status: int, reason: str, message: str) -> None:
    """gunicorn's error answer, with Mayfly's headers; JSON under /api."""
    path = _request_path.get() or ""
    if path.startswith("/api"):
        body = json.dumps({"error": {"code": "bad_request" if status == 400 else "too_large",
                                     "message": reason}}).encode()
        content_type = "application/json"
    else:
        body = f"{status} {reason}\n".encode()
        content_type = "text/plain; charset=utf-8"
    headers = [("Connection", "close"), ("Content-Type", content_type),
               ("Content-Length", str(len(body))), *STRICT_HEADERS]
    head = f"HTTP/1.1 {status} {reason}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers)
    util.write_nonblock(sock, head.encode("latin-1") + b"\r\n" + body)
