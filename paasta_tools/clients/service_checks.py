"""The I/O of the pipeline's check steps: running the system's security-check command, and submitting a
performance check to its HTTP endpoint."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from paasta_tools.clients.commands import stream_command
from paasta_tools.errors import PaastaError


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
    return stream_command(argv, on_line, timeout)


def post_params(url: str, params: Mapping[str, Any], timeout: float) -> HttpAnswer:
    """POST ``params`` as the query string of ``url``; PaastaError when no HTTP answer comes back."""
    import requests

    try:
        response = requests.post(url, params=dict(params), timeout=timeout)
    except requests.RequestException as exc:
        raise PaastaError(f"POST {url} failed: {exc}") from None
    return HttpAnswer(response.status_code, response.text)
