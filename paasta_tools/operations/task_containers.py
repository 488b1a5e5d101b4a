"""Finding the Docker container of a running task of ``service.instance``, for ``paasta docker_exec``,
``docker_inspect`` and ``docker_stop``.

The task comes from the cluster's Marathon API: the one named by ``-m/--mesos-id``, else the first
running task (on ``-H/--host`` when given).  Its container is then looked up on this machine's Docker
engine; a task whose agent is another host is reported with the host to run the command on (no SSH).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from paasta_tools.errors import TaskContainerError
from paasta_tools.marathon.tasks import MarathonAppState, MarathonTask

RUNNING = "TASK_RUNNING"
API_TIMEOUT_S = 10


@dataclass(frozen=True)
class TaskQuery:
    """Which task of which instance: ``-s``, ``-i``, ``-c`` and the optional ``-H`` and ``-m``."""

    service: str
    instance: str
    cluster: str
    soa_dir: str
    host: str | None = None
    mesos_id: str | None = None

    @property
    def name(self) -> str:
        return f"{self.service}.{self.instance}"


@dataclass(frozen=True)
class TaskContainer:
    """A running task and ``docker inspect`` of its container on this machine's engine."""

    task: MarathonTask
    container: dict[str, Any]

    @property
    def container_id(self) -> str:
        return str(self.container["Id"])

    @property
    def container_name(self) -> str:
        return str(self.container.get("Name") or self.container_id).lstrip("/")


def select_task(apps: Sequence[MarathonAppState], query: TaskQuery) -> MarathonTask:
    """The task ``query`` asks for among the instance's ``apps``; TaskContainerError saying why none fits."""
    running = [task for app in apps for task in app.tasks if task.state in (RUNNING, "")]
    where = f" on host {query.host}" if query.host else ""
    if query.mesos_id:
        matching = [task for task in running if task.id == query.mesos_id]
        if not matching:
            known = ", ".join(task.id for task in running) or "none"
            raise TaskContainerError(
                f"{query.name} has no running task {query.mesos_id} in cluster {query.cluster} "
                f"(its running tasks: {known})"
            )
        if query.host and matching[0].host != query.host:
            raise TaskContainerError(
                f"Task {query.mesos_id} of {query.name} runs on host {matching[0].host}, not on {query.host}"
            )
        return matching[0]
    candidates = [task for task in running if not query.host or task.host == query.host]
    if not candidates:
        hosts = sorted({task.host for task in running})
        elsewhere = f" (it runs on: {', '.join(hosts)})" if hosts else ""
        raise TaskContainerError(f"{query.name} has no running task{where} in cluster {query.cluster}{elsewhere}")
    return candidates[0]


def require_local(task: MarathonTask, query: TaskQuery, is_local: Callable[[str], bool], command: str) -> None:
    """Raise TaskContainerError when ``task`` runs on another machine than this one."""
    if not is_local(task.host):
        raise TaskContainerError(
            f"Task {task.id} of {query.name} runs on host {task.host}, not on this machine: "
            f"run 'paasta {command}' on {task.host} (this command does not log in to other hosts)"
        )


def instance_apps(query: TaskQuery) -> list[MarathonAppState]:
    """The Marathon apps (tasks embedded) of the Marathon instance ``query`` names."""
    from marathon.exceptions import MarathonError as ClientError

    from paasta_tools.clients import marathon_client
    from paasta_tools.config.loader import load_instance_config
    from paasta_tools.errors import MarathonError
    from paasta_tools.marathon.job_id import format_job_id
    from paasta_tools.marathon.tasks import app_state_from_json, get_matching_apps
    from paasta_tools.system_config import load_system_paasta_config

    config = load_instance_config(query.service, query.instance, query.cluster, query.soa_dir, load_deployments=False)
    if config.instance_type != "marathon":
        raise TaskContainerError(
            f"{query.name} is a {config.instance_type} instance in cluster {query.cluster}: "
            "only the containers of Marathon instances can be found"
        )
    endpoints = load_system_paasta_config().get_cluster_endpoints(query.cluster)
    client = marathon_client.get_marathon_client_from_config(endpoints.marathon_config or {}, timeout=API_TIMEOUT_S)
    try:
        documents = marathon_client.list_app_documents(client, format_job_id(query.service, query.instance))
    except (ClientError, MarathonError) as exc:
        raise MarathonError(f"Marathon of cluster {query.cluster} failed: {exc}") from exc
    return get_matching_apps([app_state_from_json(d) for d in documents], query.service, query.instance)


def find_task_container(query: TaskQuery, command: str) -> tuple[Any, TaskContainer]:
    """The Docker client and the container of the task ``query`` asks for, on this machine."""
    from paasta_tools.clients import docker_containers

    task = select_task(instance_apps(query), query)
    require_local(task, query, docker_containers.is_local_host, command)
    client = docker_containers.connect()
    container = docker_containers.find_container(client, task.id)
    if container is None:
        raise TaskContainerError(
            f"No running container of task {task.id} ({query.name}) on this machine's Docker engine"
        )
    return client, TaskContainer(task, container)
