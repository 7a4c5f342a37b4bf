"""A small filesystem of the test's own (a tmpfs mount), to fill up on purpose. Needs root."""

from __future__ import annotations

import os
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pytest


@contextmanager
def small_filesystem(size_mib: int):
    """Yields a directory on a fresh tmpfs of `size_mib` MiB; unmounted afterwards."""
    if os.geteuid() != 0:
        reason = "mounting a small tmpfs needs root"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    mount = Path(tempfile.mkdtemp(prefix="nvr-small-disk-"))
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_mib}m,mode=0755", "tmpfs", str(mount)], check=True,
                   capture_output=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)
        mount.rmdir()
