"""What paasta-api's instance routes do: blocking reads through the same library as ``paasta status``.

Each function takes the server's ApiSettings and a ReadCache and returns the JSON-ready answer; a
failure is a PaastaError (PaastaApiError carries its HTTP status, see ``paasta_tools.api.app``).
The handlers run these in worker threads.
"""

from __future__ import annotations

import dataclasses
import datetime
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from paasta_tools.api import bodies
from paasta_tools.errors import NoDeploymentsAvailable, NoDockerImageError, PaastaApiError

DEFAULT_CACHE_TTL_S = 30.0
HTTP_BAD_REQUEST = 400
HTTP_NOT_FOUND = 404
HTTP_SERVER_ERROR = 500


@dataclass(frozen=True)
class ApiSettings:
    """What the server was started with: its cluster, soa dir and system config."""

    cluster: str
    soa_dir: str
    system: Any
    cache_ttl: float = DEFAULT_CACHE_TTL_S


class ReadCache:
    """Per-service scheduler reads (Marathon apps and queue, Chronos jobs, Mesos state) kept ``ttl`` seconds,
    so a burst of requests about one service asks the cluster once, as upstream's 30 s requests cache did."""

    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.clock = clock
        self._entries: dict[str, tuple[float, dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def for_service(self, service: str) -> dict[str, Any]:
        """The cache dict of ``service`` (a fresh one once the old is ``ttl`` seconds old)."""
        now = self.clock()
        with self._lock:
            entry = self._entries.get(service)
            if entry is None or now - entry[0] >= self.ttl:
                entry = (now, {})
                self._entries[service] = entry
            return entry[1]


def list_instances(settings: ApiSettings, service: str) -> dict[str, list[str]]:
    """``{"instances": [...]}``: the service's instances in the server's cluster."""
    from paasta_tools.config.loader import list_all_instances_for_service
    from paasta_tools.config.soa_dir import require_service_dir

    require_service_dir(settings.soa_dir, service)
    return {"instances": list_all_instances_for_service(service, settings.soa_dir, cluster=settings.cluster)}


def _deployments(service: str, soa_dir: str) -> Any:
    from paasta_tools.deployments import DeploymentsJson, load_deployments_json

    try:
        return load_deployments_json(service, soa_dir)
    except NoDeploymentsAvailable:
        return DeploymentsJson()


def _fetch_status(
    settings: ApiSettings, cache: ReadCache, service: str, instance: str
) -> tuple[Any, Any, str, dict[str, Any]]:
    """(the instance's config, its status model, its deployed sha, the scheduler reads it was built from);
    404 when not configured or deployed."""
    from paasta_tools.config.loader import load_instance_config
    from paasta_tools.config.soa_dir import read_service_files
    from paasta_tools.deployments import sha_from_docker_image
    from paasta_tools.operations.instance_status import FETCHERS, StatusContext

    config = load_instance_config(service, instance, settings.cluster, settings.soa_dir, load_deployments=False)
    deployments = _deployments(service, settings.soa_dir)
    key = f"{settings.cluster}.{instance}"
    if f"{service}:paasta-{key}" not in deployments.v1:
        raise PaastaApiError(f"deployment key {key} not found", HTTP_NOT_FOUND)
    entry = deployments.get_branch_dict(service, key)
    sha = sha_from_docker_image(entry.get("docker_image") or "")
    if config.instance_type not in FETCHERS:
        raise PaastaApiError(f"Unknown instance_type {config.instance_type} of {service}.{instance}", HTTP_NOT_FOUND)
    files = read_service_files(settings.soa_dir, service, cluster=settings.cluster)
    now = datetime.datetime.now(datetime.UTC)
    ctx = StatusContext(service, files, deployments, settings.system, 0, now, dict(FETCHERS), smartstack=False)
    config = dataclasses.replace(config, branch_dict=entry)
    reads = cache.for_service(service)
    try:
        status = FETCHERS[config.instance_type](ctx, settings.cluster, instance, reads)
    except NoDockerImageError:
        if config.instance_type != "marathon":
            raise
        status = None  # upstream's error_message body
    return config, status, sha, reads


def instance_status(settings: ApiSettings, cache: ReadCache, service: str, instance: str) -> dict[str, Any]:
    """The status body of ``service.instance`` (§7.5b)."""
    config, status, sha, reads = _fetch_status(settings, cache, service, instance)
    if config.instance_type == "chronos":
        return bodies.status_body(
            service, instance, sha, chronos=bodies.chronos_body(status, config.get_desired_state())
        )
    if status is None:
        # Marathon's apps were read before the missing image stopped the status
        app_count = bodies.instance_app_count((reads.get("marathon") or {}).get("apps") or [], service, instance)
        marathon = bodies.marathon_error_body(
            app_count, config.get_desired_state(), config.get_bounce_method(), bodies.NO_DOCKER_IMAGE_MESSAGE
        )
    else:
        marathon = bodies.marathon_body(status)
    return bodies.status_body(service, instance, sha, marathon=marathon)


def _marathon_tasks(
    settings: ApiSettings, cache: ReadCache, service: str, instance: str, slave_hostname: str | None
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(the Mesos master state, the running tasks of the instance's desired app)."""
    from paasta_tools.operations.cluster_state import marathon_cluster_data

    body = instance_status(settings, cache, service, instance)
    marathon = body.get("marathon")
    if marathon is None:
        raise PaastaApiError(
            f"Only marathon tasks supported: {service}.{instance} is not a marathon instance", HTTP_BAD_REQUEST
        )
    if "app_id" not in marathon:
        raise PaastaApiError(f"{service}.{instance}: {marathon.get('error_message')}", HTTP_SERVER_ERROR)
    data = marathon_cluster_data(settings.system, service, settings.cluster, cache.for_service(service))
    if data["mesos_state"] is None:
        raise PaastaApiError(f"Mesos of cluster {settings.cluster}: {data['mesos_error']}", HTTP_SERVER_ERROR)
    return data["mesos_state"], bodies.app_tasks(data["mesos_state"], marathon["app_id"], slave_hostname)


def _verbose(state: dict[str, Any], task: dict[str, Any], agents: dict[str, Any]) -> dict[str, Any]:
    """``task`` with its agent's entry and its executor (read from the agent's own state)."""
    from paasta_tools.clients.mesos import MesosAgentClient, agent_url_from_pid

    slave = bodies.slave_of(state, task)
    pid = str((slave or {}).get("pid") or "")
    if pid and pid not in agents:
        agents[pid] = MesosAgentClient(agent_url_from_pid(pid)).agent_state()
    executor = bodies.executor_of(agents[pid], str(task.get("id"))) if pid else None
    return bodies.with_verbose_info(task, slave, executor)


def instance_tasks(
    settings: ApiSettings,
    cache: ReadCache,
    service: str,
    instance: str,
    slave_hostname: str | None = None,
    verbose: bool = False,
) -> list[dict[str, Any]]:
    """The running Mesos tasks of the instance (on ``slave_hostname`` only, if given)."""
    state, tasks = _marathon_tasks(settings, cache, service, instance, slave_hostname)
    if not verbose:
        return tasks
    agents: dict[str, Any] = {}
    return [_verbose(state, task, agents) for task in tasks]


def instance_task(
    settings: ApiSettings, cache: ReadCache, service: str, instance: str, task_id: str, verbose: bool = False
) -> dict[str, Any]:
    """One running task of the instance; 404 naming it when it is not one."""
    state, tasks = _marathon_tasks(settings, cache, service, instance, None)
    task = next((t for t in tasks if t.get("id") == task_id), None)
    if task is None:
        raise PaastaApiError(f"Task with id {task_id} not found", HTTP_NOT_FOUND)
    return _verbose(state, task, {}) if verbose else task
