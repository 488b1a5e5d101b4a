"""What the autoscaler's metrics providers fetch: Mesos agents' task statistics and tasks' own JSON.

``/monitor/statistics`` of an agent lists one entry per executor (``executor_id`` is the task id
for Marathon's command executor) with cumulative ``cpus_user_time_secs``/``cpus_system_time_secs``,
``cpus_limit`` and ``timestamp``.  Agents are found through the master's ``/master/slaves`` (their
``pid`` gives the address).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from paasta_tools.autoscaling.metrics import HttpAnswer
from paasta_tools.clients.marathon_client import user_agent
from paasta_tools.clients.mesos import MesosMasterClient, agent_url_from_pid
from paasta_tools.errors import MesosError

log = logging.getLogger(__name__)

HTTP_TIMEOUT_S = 2
STATISTICS_TIMEOUT_S = 10
MAX_PARALLEL_REQUESTS = 20


def _get_json(url: str, timeout: float) -> Any:
    import requests

    response = requests.get(url, timeout=timeout, headers={"User-Agent": user_agent()})
    response.raise_for_status()
    return response.json()


def statistics_by_executor(entries: Any) -> dict[str, Mapping[str, Any]]:
    """``{executor_id: statistics}`` of a ``/monitor/statistics`` answer (malformed entries skipped)."""
    found: dict[str, Mapping[str, Any]] = {}
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, Mapping) and isinstance(entry.get("statistics"), Mapping) and entry.get("executor_id"):
            found[str(entry["executor_id"])] = entry["statistics"]
    return found


class AgentStatistics:
    """Task statistics from the agents of one Mesos master, each agent asked at most once per run."""

    def __init__(self, mesos_url: str, timeout: float = STATISTICS_TIMEOUT_S) -> None:
        self.master = MesosMasterClient(mesos_url, timeout)
        self.timeout = timeout
        # A failure is remembered like an answer: asking again for every task would cost a timeout each.
        self._agents: dict[str, str] | MesosError | None = None
        self._statistics: dict[str, dict[str, Mapping[str, Any]] | MesosError] = {}

    def _agent_urls(self) -> dict[str, str]:
        if self._agents is None:
            try:
                self._agents = {
                    str(slave["hostname"]): agent_url_from_pid(str(slave["pid"]))
                    for slave in self.master.slaves()
                    if slave.get("hostname") and slave.get("pid")
                }
            except MesosError as exc:
                self._agents = exc
        if isinstance(self._agents, MesosError):
            raise self._agents
        return self._agents

    def _read_agent(self, hostname: str) -> dict[str, Mapping[str, Any]]:
        import requests

        url = self._agent_urls().get(hostname)
        if url is None:
            raise MesosError(f"the Mesos master at {self.master.url} knows no agent {hostname}")
        try:
            entries = _get_json(f"{url}/monitor/statistics", self.timeout)
        except (requests.RequestException, ValueError) as exc:
            raise MesosError(f"could not read {url}/monitor/statistics: {exc}") from exc
        return statistics_by_executor(entries)

    def of_agent(self, hostname: str) -> dict[str, Mapping[str, Any]]:
        """The statistics of every executor on the agent ``hostname``; MesosError if it cannot be read."""
        if hostname not in self._statistics:
            try:
                self._statistics[hostname] = self._read_agent(hostname)
            except MesosError as exc:
                self._statistics[hostname] = exc
        found = self._statistics[hostname]
        if isinstance(found, MesosError):
            raise found
        return found

    def of_tasks(self, tasks: Iterable[tuple[str, str]]) -> dict[str, Mapping[str, Any]]:
        """``{task id: statistics}`` for (task id, agent hostname) pairs; tasks without statistics are left out.

        An agent that cannot be read leaves its tasks out (logged), as a task that gave no data.
        """
        found: dict[str, Mapping[str, Any]] = {}
        for task_id, hostname in tasks:
            try:
                statistics = self.of_agent(hostname).get(task_id)
            except MesosError as exc:
                log.warning("No statistics for task %s: %s", task_id, exc)
                continue
            if statistics is not None:
                found[task_id] = statistics
        return found


def fetch_task_json(host: str, port: int, endpoint: str, timeout: float = HTTP_TIMEOUT_S) -> Any:
    """The JSON a task answers at ``http://host:port/endpoint``; HttpAnswer.TIMEOUT or FAILED otherwise."""
    import requests

    url = f"http://{host}:{port}/{endpoint.lstrip('/')}"
    try:
        return _get_json(url, timeout)
    except requests.Timeout:
        log.debug("%s timed out: the task counts as fully used", url)
        return HttpAnswer.TIMEOUT
    except (requests.RequestException, ValueError) as exc:
        log.error("Caught exception when querying %s: %s", url, exc)
        return HttpAnswer.FAILED


def fetch_tasks_json(addresses: Sequence[tuple[str, int]], endpoint: str, timeout: float = HTTP_TIMEOUT_S) -> list[Any]:
    """``fetch_task_json`` of every (host, port), up to 20 at once, in the given order."""
    if not addresses:
        return []
    with ThreadPoolExecutor(max_workers=min(MAX_PARALLEL_REQUESTS, len(addresses))) as pool:
        return list(pool.map(lambda address: fetch_task_json(address[0], address[1], endpoint, timeout), addresses))
