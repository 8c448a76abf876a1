"""Serve one Mayfly app from the environment on a port: a separate process for tests.

    python -m tests.serve_app PORT
"""

from __future__ import annotations

import sys

from werkzeug.serving import make_server

from app import create_app

if __name__ == "__main__":
    make_server("127.0.0.1", int(sys.argv[1]), create_app(), threaded=True).serve_forever()
