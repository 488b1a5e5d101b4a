"""Reading a Mesos master's JSON endpoints (``/master/state``, ``/master/slaves``, ``/metrics/snapshot``).

The URL is the cluster's ``mesos_url`` from the system config (``clusters.<name>.mesos_url`` or the
top-level ``mesos_url`` of the local cluster).  Answers are returned as plain dicts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from paasta_tools.errors import MesosError

MESOS_TIMEOUT_S = 10


class MesosMasterClient:
    """A thin reader of one Mesos master; every method raises MesosError naming the URL on failure."""

    def __init__(self, url: str, timeout: float = MESOS_TIMEOUT_S, session: Any = None) -> None:
        if not url:
            raise MesosError("Mesos is not configured: no mesos_url in the system config for this cluster")
        self.url = url.rstrip("/")
        self.timeout = timeout
        self._session = session

    def _get(self, path: str) -> Any:
        import requests

        from paasta_tools.clients.marathon_client import user_agent

        url = f"{self.url}{path}"
        getter = self._session or requests
        try:
            response = getter.get(url, timeout=self.timeout, headers={"User-Agent": user_agent()})
        except requests.RequestException as exc:
            raise MesosError(f"could not reach the Mesos master at {url}: {exc}") from exc
        if response.status_code != 200:
            raise MesosError(f"the Mesos master at {url} answered HTTP {response.status_code}")
        try:
            return response.json()
        except ValueError:
            raise MesosError(f"the Mesos master at {url} did not answer JSON") from None

    def _get_object(self, path: str) -> dict[str, Any]:
        document = self._get(path)
        if not isinstance(document, Mapping):
            raise MesosError(f"the Mesos master at {self.url}{path} answered a JSON {type(document).__name__}")
        return dict(document)

    def state(self) -> dict[str, Any]:
        """``/master/state``: slaves, frameworks with their tasks and completed tasks, flags."""
        return self._get_object("/master/state")

    def slaves(self) -> list[dict[str, Any]]:
        """The agents of ``/master/slaves`` (hostname, attributes, resources, used_resources)."""
        return list(self._get_object("/master/slaves").get("slaves") or [])

    def metrics_snapshot(self) -> dict[str, Any]:
        """``/metrics/snapshot``: the ``master/*`` gauges."""
        return self._get_object("/metrics/snapshot")

    def maintenance_status(self) -> dict[str, Any]:
        """``/master/maintenance/status``: ``draining_machines`` and ``down_machines``."""
        return self._get_object("/master/maintenance/status")


def mesos_client_for_cluster(system_config: Any, cluster: str, timeout: float = MESOS_TIMEOUT_S) -> MesosMasterClient:
    """The client of ``cluster``'s master per ``SystemPaastaConfig.get_cluster_endpoints``."""
    endpoints = system_config.get_cluster_endpoints(cluster)
    if not endpoints.mesos_url:
        raise MesosError(f"Mesos is not configured for cluster {cluster}: no mesos_url in {system_config.directory}")
    return MesosMasterClient(endpoints.mesos_url, timeout)


TAIL_CHUNK_BYTES = 1024  # read at least this much per wanted line when tailing


def agent_url_from_pid(pid: str) -> str:
    """``slave(1)@host:port`` (an agent's pid in the master state) as ``http://host:port``."""
    _, sep, address = pid.partition("@")
    if not sep or ":" not in address:
        raise MesosError(f"cannot find the agent address in its pid {pid!r}")
    return f"http://{address}"


def sandbox_directories(agent_state: Mapping[str, Any]) -> dict[str, str]:
    """``{task or executor id: sandbox directory}`` over an agent state's executors, running and completed."""
    found: dict[str, str] = {}
    for framework in [*(agent_state.get("frameworks") or ()), *(agent_state.get("completed_frameworks") or ())]:
        for executor in [*(framework.get("executors") or ()), *(framework.get("completed_executors") or ())]:
            directory = executor.get("directory")
            if not directory:
                continue
            tasks = [*(executor.get("tasks") or ()), *(executor.get("completed_tasks") or ())]
            for owner in [executor.get("id"), *(task.get("id") for task in tasks)]:
                if owner is not None:
                    found.setdefault(str(owner), str(directory))
    return found


class MesosAgentClient(MesosMasterClient):
    """An agent's ``/slave(1)/state`` and its sandbox files (``/files/read``)."""

    def agent_state(self) -> dict[str, Any]:
        return self._get_object("/slave(1)/state")

    def sandbox_directory(self, agent_state: Mapping[str, Any], task_id: str) -> str | None:
        """The sandbox of ``task_id``'s executor in ``agent_state``, or None if the agent does not know it."""
        return sandbox_directories(agent_state).get(task_id)

    def read_file(self, path: str, offset: int, length: int | None = None) -> dict[str, Any]:
        """``/files/read``: ``{"data", "offset"}``; offset -1 gives the size in ``offset``."""
        from urllib.parse import urlencode

        query = {"path": path, "offset": offset, **({"length": length} if length is not None else {})}
        return self._get_object(f"/files/read?{urlencode(query)}")

    def tail(self, path: str, nlines: int) -> list[str]:
        """The last ``nlines`` lines of a sandbox file."""
        size = int(self.read_file(path, -1).get("offset") or 0)
        start = max(size - nlines * TAIL_CHUNK_BYTES, 0)
        data = str(self.read_file(path, start, size - start).get("data") or "") if size else ""
        lines = data.splitlines()
        if start > 0 and lines:
            lines = lines[1:]  # the first line was cut in the middle
        return lines[-nlines:] if nlines else []
