"""The make adapter: ask a Makefile whether it has a target, without building anything."""

from __future__ import annotations

import os
import subprocess

DEFAULT_TIMEOUT_S = 5.0


def makefile_responds_to(target: str, directory: str | os.PathLike[str], timeout: float = DEFAULT_TIMEOUT_S) -> bool:
    """True when ``make --dry-run <target>`` succeeds in ``directory`` within ``timeout`` seconds."""
    try:
        proc = subprocess.run(
            ["make", "--dry-run", "--", target],
            cwd=directory,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=timeout,
        )
    except (subprocess.TimeoutExpired, OSError):
        return False
    return proc.returncode == 0
