"""Fetching the status of a service's instances from a cluster's APIs, dispatched by instance type.

Shared by ``paasta status`` (every cluster, in parallel) and ``paasta_serviceinit`` (the local cluster):
``cluster_report`` asks each instance type's fetcher in ``FETCHERS`` for the status model of
:mod:`paasta_tools.status`, reading each scheduler once per cluster (operations.cluster_state).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from paasta_tools.config.soa_dir import ServiceFiles
    from paasta_tools.deployments import DeploymentsJson
    from paasta_tools.status.report import ClusterReport


@dataclass(frozen=True)
class Planned:
    """One ``cluster.instance`` of the soa-configs and its instance type."""

    cluster: str
    instance: str
    instance_type: str


@dataclass
class StatusContext:
    """What every cluster's fetch needs: the service's files and deployments, system config, options."""

    service: str
    files: ServiceFiles
    deployments: DeploymentsJson
    system: Any
    verbose: int
    now: datetime.datetime
    fetchers: dict[str, Callable[..., Any]] = field(default_factory=dict)
    smartstack: bool = True  # read the HAProxy of each location (paasta-api's bodies have no SmartStack part)


def instance_error(ctx: StatusContext, cluster: str, item: Planned, message: str) -> Any:
    from paasta_tools.deployments import sha_from_docker_image
    from paasta_tools.status.report import InstanceError

    entry = ctx.deployments.get_branch_dict(ctx.service, f"{cluster}.{item.instance}")
    sha = sha_from_docker_image(entry.get("docker_image", ""))[:8]
    return InstanceError(item.instance, item.instance_type, sha, message)


def cluster_report(ctx: StatusContext, cluster: str, planned: Sequence[Planned], deployed: set[str]) -> ClusterReport:
    """The report of one cluster; scheduler errors become the report's (or an instance's) error."""
    from paasta_tools.config.soa_dir import malformed_value_error
    from paasta_tools.errors import MALFORMED_VALUE_ERRORS, PaastaError
    from paasta_tools.status.report import ClusterReport

    not_deployed = tuple(p.instance for p in planned if f"{cluster}.{p.instance}" not in deployed)
    shown = [p for p in planned if f"{cluster}.{p.instance}" in deployed and p.instance_type in ctx.fetchers]
    cache: dict[str, Any] = {}
    statuses = []
    for item in shown:
        try:
            statuses.append(ctx.fetchers[item.instance_type](ctx, cluster, item.instance, cache))
        except PaastaError as exc:
            if "cluster_error" in cache:
                return ClusterReport(cluster, not_deployed, (), cache["cluster_error"])
            statuses.append(instance_error(ctx, cluster, item, str(exc)))
        except MALFORMED_VALUE_ERRORS as exc:
            error = malformed_value_error(
                ctx.files.soa_dir, ctx.service, item.instance_type, cluster, item.instance, exc
            )
            statuses.append(instance_error(ctx, cluster, item, str(error)))
    return ClusterReport(cluster, not_deployed, tuple(statuses))


def _smartstack_status(ctx: StatusContext, config: Any, namespace: Any, data: dict[str, Any]) -> Any:
    from paasta_tools.clients import haproxy
    from paasta_tools.errors import PaastaError
    from paasta_tools.marathon.replication import expected_count_for_namespace
    from paasta_tools.marathon.tasks import task_from_json
    from paasta_tools.status import marathon as marathon_status

    registration = config.get_registrations()[0]
    slaves = (data["mesos_state"] or {}).get("slaves") or []
    blacklist = ctx.system.get_deploy_blacklist()
    hosts = marathon_status.smartstack_synapse_hosts(config, namespace, slaves, blacklist)
    backends, errors = {}, {}
    for location, host in hosts.items():
        try:
            backends[location] = haproxy.get_backends(
                [registration], host, ctx.system.get_synapse_port(), ctx.system.get_synapse_haproxy_url_format()
            )
        except PaastaError as exc:
            errors[location] = str(exc)
    tasks = [task_from_json(t) for app in data["apps"] for t in app.get("tasks") or ()]
    configs = _marathon_configs(ctx, config.cluster)
    expected = expected_count_for_namespace(configs, namespace.namespace)
    return marathon_status.build_smartstack_status(registration, expected, backends, errors, tasks)


def _marathon_configs(ctx: StatusContext, cluster: str) -> list[Any]:
    """The cluster's Marathon configs with their deployments.json entries (a stopped one expects 0)."""
    import dataclasses

    from paasta_tools.config.loader import instance_configs_from_files

    return [
        dataclasses.replace(c, branch_dict=ctx.deployments.get_branch_dict(ctx.service, c.get_branch()))
        for c in instance_configs_from_files(ctx.files, cluster, "marathon")
    ]


def fetch_marathon_status(ctx: StatusContext, cluster: str, instance: str, cache: dict[str, Any]) -> Any:
    """The MarathonInstanceStatus of one deployed instance."""
    import dataclasses

    from paasta_tools.config.loader import build_instance_config
    from paasta_tools.config.smartstack import load_service_namespace_config
    from paasta_tools.marathon.app_dict import app_system_config_from, format_marathon_app_dict
    from paasta_tools.operations.cluster_state import marathon_cluster_data
    from paasta_tools.status.marathon import build_marathon_status

    data = marathon_cluster_data(ctx.system, ctx.service, cluster, cache)
    config = build_instance_config(ctx.files, "marathon", cluster, instance)
    config = dataclasses.replace(config, branch_dict=ctx.deployments.get_branch_dict(ctx.service, config.get_branch()))
    namespace = load_service_namespace_config(ctx.files, ctx.service, config.get_nerve_namespace())
    app_id = format_marathon_app_dict(config, app_system_config_from(ctx.system), namespace)["id"]
    smartstack = None
    if ctx.smartstack and namespace.proxy_port is not None and data["mesos_error"] is None:
        smartstack = _smartstack_status(ctx, config, namespace, data)
    tails = None
    if ctx.verbose >= 2 and data["mesos_state"] is not None:
        tails = _task_tails(data["mesos_state"], ctx.service, instance, 10 ** min(ctx.verbose - 1, 2), cache)
    return build_marathon_status(
        config,
        app_id,
        data["apps"],
        data["queue"],
        data["mesos_state"],
        ctx.now,
        data["mesos_error"],
        smartstack,
        tails,
    )


def _task_tails(state: dict[str, Any], service: str, instance: str, nlines: int, cache: dict[str, Any]) -> Any:
    """stdout/stderr tails of the instance's running tasks, read from their agents' sandboxes."""
    from paasta_tools.status.marathon import mesos_tasks_of_instance

    running, _ = mesos_tasks_of_instance(state, service, instance)
    pids = {str(s.get("id")): str(s.get("pid") or "") for s in state.get("slaves") or ()}
    tasks = [t for f in state.get("frameworks") or () for t in f.get("tasks") or ()]
    slave_of = {str(t.get("id")): str(t.get("slave_id")) for t in tasks}
    agents = cache.setdefault("agents", {})
    return {row.task_id: _tails_of_task(row.task_id, pids.get(slave_of.get(row.task_id, ""), ""), nlines, agents)
            for row in running}  # fmt: skip


def _tails_of_task(task_id: str, agent_pid: str, nlines: int, agents: dict[str, Any]) -> Any:
    from paasta_tools.clients.mesos import MesosAgentClient, agent_url_from_pid
    from paasta_tools.errors import PaastaError
    from paasta_tools.status.marathon import StreamTail, TaskTails

    try:
        if agent_pid not in agents:
            client = MesosAgentClient(agent_url_from_pid(agent_pid), timeout=10)
            agents[agent_pid] = (client, client.agent_state())
        client, agent_state = agents[agent_pid]
        directory = client.sandbox_directory(agent_state, task_id)
        if directory is None:
            return TaskTails()
        return TaskTails(
            tuple(StreamTail(name, tuple(client.tail(f"{directory}/{name}", nlines))) for name in ("stdout", "stderr"))
        )
    except PaastaError as exc:
        return TaskTails(error=str(exc))


def fetch_chronos_status(ctx: StatusContext, cluster: str, instance: str, cache: dict[str, Any]) -> Any:
    """The ChronosInstanceStatus of one deployed instance (see paasta_tools.status.chronos)."""
    from paasta_tools.operations import chronos_status

    return chronos_status.fetch_chronos_status(ctx, cluster, instance, cache)


FETCHERS: dict[str, Callable[..., Any]] = {"marathon": fetch_marathon_status, "chronos": fetch_chronos_status}


def deployed_names(ctx: StatusContext) -> set[str]:
    """``<cluster>.<instance>`` of every deployments.json v1 entry of the service."""
    prefix = f"{ctx.service}:paasta-"
    return {key[len(prefix) :] for key in ctx.deployments.v1 if key.startswith(prefix)}
