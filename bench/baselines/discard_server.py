"""Baseline: a bare aiosmtpd server that accepts and discards (the Python SMTP stack's limit).

    python bench/baselines/discard_server.py PORT
"""

from __future__ import annotations

import signal
import sys
import threading

from aiosmtpd.controller import Controller


class Discard:
    async def handle_DATA(self, server, session, envelope) -> str:
        return "250 OK"


if __name__ == "__main__":
    controller = Controller(Discard(), hostname="127.0.0.1", port=int(sys.argv[1]),
                            data_size_limit=None)
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    controller.stop()
