"""The make adapter: ask a Makefile whether it has a target, without building anything."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable

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


def run_make_target(
    target: str,
    directory: str | os.PathLike[str],
    env: dict[str, str],
    on_line: Callable[[str], None],
    timeout: float | None = None,
) -> int:
    """Run ``make <target>`` in ``directory`` with ``env``; each output line (stdout+stderr) goes to ``on_line``.

    Returns make's exit code; -9 when it ran longer than ``timeout`` seconds and was killed.
    """
    from paasta_tools.clients.commands import stream_command

    return stream_command(["make", "--", target], on_line, timeout, cwd=directory, env=env, label=f"make {target}")
