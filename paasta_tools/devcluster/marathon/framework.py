"""The Marathon framework as the Mesos master API sees it: its running and recently finished tasks."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from paasta_tools.devcluster.cluster import Cluster
from paasta_tools.devcluster.marathon.state import MarathonState, Task


def _port_ranges(ports: list[int]) -> str:
    return "[" + ", ".join(f"{p}-{p}" for p in sorted(ports)) + "]"


class MarathonFramework:
    """Implements the devcluster ``Framework`` protocol for the Marathon emulation."""

    name = "marathon"

    def __init__(self, cluster: Cluster, state: MarathonState, completed: Iterable[tuple[Task, float]]) -> None:
        self.cluster = cluster
        self.state = state
        self.completed = completed
        self.framework_id = cluster.framework_id(self.name)

    def _mesos_task(self, task: Task, finished_at: float | None = None) -> dict[str, Any]:
        definition = task.definition
        resources: dict[str, Any] = {"cpus": definition["cpus"], "mem": definition["mem"], "disk": definition["disk"]}
        if task.host_ports:
            resources["ports"] = _port_ranges(task.host_ports)
        statuses = [{"state": "TASK_STAGING", "timestamp": task.staged_at}]
        if task.started_at:
            statuses.append({"state": "TASK_RUNNING", "timestamp": task.started_at})
        if task.killing_at:
            statuses.append({"state": "TASK_KILLING", "timestamp": task.killing_at})
        if finished_at is not None:
            statuses.append({"state": task.state, "timestamp": finished_at})
        return {
            "id": task.id,
            "name": task.app_id.strip("/").replace("/", "."),
            "framework_id": self.framework_id,
            "executor_id": "",
            "slave_id": self.cluster.agent.agent_id,
            "state": task.state,
            "resources": resources,
            "statuses": statuses,
            "labels": [{"key": k, "value": v} for k, v in definition["labels"].items()],
        }

    def mesos_tasks(self) -> list[dict[str, Any]]:
        """Active tasks in the Mesos master task shape."""
        apps = [*self.state.apps.values(), *self.state.stopping.values()]
        return [self._mesos_task(t) for app in apps for t in app.tasks.values()]

    def completed_mesos_tasks(self) -> list[dict[str, Any]]:
        """The last finished tasks in the Mesos master task shape."""
        return [self._mesos_task(task, finished_at) for task, finished_at in self.completed]
