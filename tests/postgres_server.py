"""A PostgreSQL server of a test's own, for tests that stop and start it (an outage).

The suite's shared server (scripts/test) serves every other test, on several workers at
once; stopping it would fail their tests. This one is made with the same Debian binaries
(scripts/test exports TEST_PG_CTL) in a folder of its own, on a free port, and removed after.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import free_port


def _as_postgres(command: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root; root runs it as the postgres system user.
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@dataclass
class PrivateServer:
    bin: Path
    folder: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://mayfly@127.0.0.1:{self.port}/mayfly"

    def _pg_ctl(self, *args: str) -> None:
        subprocess.run(_as_postgres([str(self.bin / "pg_ctl"), "-D", str(self.folder / "data"),
                                     *args]), check=True, capture_output=True, timeout=60)

    def stop(self) -> None:
        self._pg_ctl("-m", "fast", "-w", "stop")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._pg_ctl("-w", "-l", str(self.folder / "log"), "-o", options, "start")


@contextmanager
def private_postgres() -> Iterator[PrivateServer]:
    bin = Path(os.environ["TEST_PG_CTL"]).parent
    # Not under pytest's tmp_path: the postgres user cannot enter root's private folder.
    folder = Path(tempfile.mkdtemp(prefix="mayfly-pg-own-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    server = PrivateServer(bin, folder, free_port())
    subprocess.run(_as_postgres([str(bin / "initdb"), "-D", str(folder / "data"), "-U", "mayfly",
                                 "--auth=trust", "-E", "UTF8"]),
                   check=True, capture_output=True, timeout=120)
    server.start()
    try:
        subprocess.run(_as_postgres([str(bin / "createdb"), "-h", "127.0.0.1", "-p",
                                     str(server.port), "-U", "mayfly", "mayfly"]),
                       check=True, capture_output=True, timeout=60)
        yield server
    finally:
        try:
            server.stop()
        finally:
            shutil.rmtree(folder, ignore_errors=True)
