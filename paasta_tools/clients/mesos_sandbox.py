"""Reading task sandboxes from a Mesos agent (``/slave(1)/state`` and ``/files/read``): stdout/stderr tails.

The agent's address comes from its ``pid`` (``slave(1)@<host>:<port>``) in the master's state.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from paasta_tools.errors import MesosError

AGENT_TIMEOUT_S = 10
TAIL_BYTES = 64 * 1024


def agent_url(slave: Mapping[str, Any]) -> str | None:
    """``http://<host>:<port>`` of an agent of the master's state, from its pid; None when it has none."""
    pid = str(slave.get("pid") or "")
    _, _, address = pid.partition("@")
    return f"http://{address}" if address else None


def sandbox_directories(agent_state: Mapping[str, Any]) -> dict[str, str]:
    """``{task id: sandbox directory}`` of the agent's executors, running and completed."""
    found: dict[str, str] = {}
    for framework in agent_state.get("frameworks") or ():
        for executor in [*(framework.get("executors") or ()), *(framework.get("completed_executors") or ())]:
            directory = executor.get("directory")
            tasks = [*(executor.get("tasks") or ()), *(executor.get("completed_tasks") or ())]
            for task_id in [str(task.get("id")) for task in tasks] or [str(executor.get("id"))]:
                if directory:
                    found[task_id] = str(directory)
    return found


class MesosAgentClient:
    """A reader of one agent's state and sandbox files; failures raise MesosError naming the URL."""

    def __init__(self, url: str, timeout: float = AGENT_TIMEOUT_S) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout

    def _get(self, path: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        import requests

        url = f"{self.url}{path}"
        try:
            response = requests.get(url, params=params, timeout=self.timeout)
        except requests.RequestException as exc:
            raise MesosError(f"could not reach the Mesos agent at {url}: {exc}") from exc
        if response.status_code != 200:
            raise MesosError(f"the Mesos agent at {url} answered HTTP {response.status_code}: {response.text[:200]}")
        try:
            document = response.json()
        except ValueError:
            raise MesosError(f"the Mesos agent at {url} did not answer JSON") from None
        if not isinstance(document, dict):
            raise MesosError(f"the Mesos agent at {url} answered a JSON {type(document).__name__}")
        return document

    def state(self) -> dict[str, Any]:
        """``/slave(1)/state``: frameworks with their executors and sandbox directories."""
        return self._get("/slave(1)/state")

    def tail(self, path: str, lines: int) -> list[str]:
        """The last ``lines`` lines of a sandbox file (read from its last 64 KiB)."""
        size = int(self._get("/files/read", {"path": path, "offset": -1}).get("offset") or 0)
        start = max(size - TAIL_BYTES, 0)
        chunk = self._get("/files/read", {"path": path, "offset": start, "length": size - start})
        return str(chunk.get("data") or "").splitlines()[-lines:] if lines > 0 else []
