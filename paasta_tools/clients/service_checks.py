"""The I/O of the pipeline's check steps: running the system's security-check command, and submitting a
performance check to its HTTP endpoint."""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from paasta_tools.errors import PaastaError

TIMED_OUT = -9


@dataclass(frozen=True)
class HttpAnswer:
    """The status code and body text of an HTTP answer."""

    status: int
    text: str


def run_command(argv: Sequence[str], timeout: float, on_line: Callable[[str], None]) -> int:
    """Run ``argv`` (no shell), each line of its stdout+stderr to ``on_line``; its exit code.

    A command still running after ``timeout`` seconds is killed and gives -9; one that cannot
    be started gives 127 after a line saying why.
    """
    try:
        proc = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
        )
    except OSError as exc:
        on_line(f"Could not run {argv[0]}: {exc.strerror}")
        return 127
    killer = threading.Timer(timeout, proc.kill)
    killer.start()
    try:
        with proc:
            assert proc.stdout is not None
            for line in proc.stdout:
                on_line(line.rstrip("\n"))
    finally:
        killer.cancel()
    if proc.returncode == TIMED_OUT:
        on_line(f"Command '{' '.join(argv)}' timed out (longer than {timeout:g}s)")
    return proc.returncode


def post_params(url: str, params: Mapping[str, Any], timeout: float) -> HttpAnswer:
    """POST ``params`` as the query string of ``url``; PaastaError when no HTTP answer comes back."""
    import requests

    try:
        response = requests.post(url, params=dict(params), timeout=timeout)
    except requests.RequestException as exc:
        raise PaastaError(f"POST {url} failed: {exc}") from None
    return HttpAnswer(response.status_code, response.text)
