"""Running a local command and streaming its output line by line (no shell)."""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Callable, Mapping, Sequence

TIMED_OUT = -9
NOT_STARTED = 127


def stream_command(
    argv: Sequence[str],
    on_line: Callable[[str], None],
    timeout: float | None = None,
    *,
    cwd: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    label: str | None = None,
) -> int:
    """Run ``argv``, each line of its stdout+stderr to ``on_line``; returns its exit code.

    Still running after ``timeout`` seconds: killed, a line says so, TIMED_OUT (-9).  Cannot be
    started: a line says why, NOT_STARTED (127).  ``label`` names the command in those lines
    (default: the program for a start failure, the whole command line for a time-out).
    """
    try:
        proc = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=None if env is None else dict(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
        )
    except OSError as exc:
        on_line(f"Could not run {label or argv[0]}: {exc.strerror}")
        return NOT_STARTED
    killer = threading.Timer(timeout, proc.kill) if timeout is not None else None
    if killer is not None:
        killer.start()
    try:
        with proc:
            assert proc.stdout is not None
            for line in proc.stdout:
                on_line(line.rstrip("\n"))
    finally:
        if killer is not None:
            killer.cancel()
    if proc.returncode == TIMED_OUT and timeout is not None:
        on_line(f"Command '{label or ' '.join(argv)}' timed out (longer than {timeout:g}s)")
    return proc.returncode
