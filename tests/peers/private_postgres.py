"""A private PostgreSQL server for fault tests: its own cluster on a free port, stopped and started at will.

The shared server on 5432 serves every other test (in parallel), so a test that restarts "the database"
must own one. Needs the Debian server binaries and root (initdb and the server run as user `postgres`).
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.peers.live_server import free_port


def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def require_private_postgres() -> Path:
    """The server binaries' folder, or skip (fail in CI) with the reason."""
    bin_dir = _bin_dir()
    reason = None
    if bin_dir is None:
        reason = "PostgreSQL server binaries (/usr/lib/postgresql/*/bin) are not installed"
    elif os.geteuid() != 0 or shutil.which("runuser") is None:
        reason = "a private PostgreSQL cluster needs root (to run initdb as user postgres)"
    if reason:
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return bin_dir


class PrivatePostgres:
    def __init__(self):
        self.bin_dir = require_private_postgres()
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="nvr-pg-"))
        shutil.chown(self.dir, "postgres", "postgres")
        self.data = self.dir / "data"
        self.log = self.dir / "server.log"
        self._as_postgres(self.bin_dir / "initdb", "-D", self.data, "-A", "trust", "-U", "postgres", "--no-sync")

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def _as_postgres(self, *argv) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", *map(str, argv)], check=True, capture_output=True,
                       timeout=120)

    def start(self) -> "PrivatePostgres":
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._as_postgres(self.bin_dir / "pg_ctl", "-D", self.data, "-o", options, "-l", self.log, "-w", "start")
        return self

    def stop(self) -> None:
        self._as_postgres(self.bin_dir / "pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop")

    def destroy(self) -> None:
        try:
            self.stop()
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)
