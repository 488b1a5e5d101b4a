"""``paasta status``: the state of a service's instances, read from each cluster's APIs directly.

For every cluster the service is deployed to (deployments.json v1), in parallel: Marathon apps of
the service (tasks and lastTaskFailure embedded) and the launch queue, the Mesos master state, and
for instances in SmartStack the HAProxy stats of one agent per location.  The pure models and
renderers live in :mod:`paasta_tools.status`; fetching is dispatched by instance type through
``FETCHERS`` so other schedulers add one entry.  Exit 0 when every cluster answered, else 1.
"""

from __future__ import annotations

import argparse
import datetime
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from paasta_tools.cli.arguments import SHORT_SOA_DIR_HELP, add_soa_dir_argument

if TYPE_CHECKING:
    from paasta_tools.config.soa_dir import ServiceFiles
    from paasta_tools.deployments import DeploymentsJson
    from paasta_tools.status.report import ClusterReport

EXIT_OK = 0
EXIT_FAILURE = 1
MISSING_DEPLOYMENTS_MESSAGE = "%s No deployments in deployments.json yet.\n  Has Jenkins run?"


def add_subparser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "status",
        help="Display the status of a PaaSTA service.",
        description="'paasta status' reads each cluster's Marathon, Mesos and SmartStack state for the service "
        "and shows what is deployed, running and healthy.",
    )
    parser.add_argument("-v", "--verbose", action="count", dest="verbose", default=0, help="Print out more output.")
    parser.add_argument("-s", "--service", help="The name of the service you wish to inspect")
    parser.add_argument("-c", "--clusters", help="A comma-separated list of clusters to view. Defaults to all.")
    parser.add_argument("-i", "--instances", help="A comma-separated list of instances to view. Defaults to all.")
    parser.add_argument(
        "-l", "--deploy-group", dest="deploy_group",
        help="Name of the deploy group which you want to get status for. "
        "If specified together with --instances and/or --clusters, will show common instances only.",
    )  # fmt: skip
    add_soa_dir_argument(parser, help=SHORT_SOA_DIR_HELP)
    parser.add_argument("-o", "--output", choices=("text", "json"), default="text", help="Output format (default text)")
    parser.set_defaults(command_func=paasta_status)


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


@dataclass(frozen=True)
class Planned:
    cluster: str
    instance: str
    instance_type: str


def planned_deployments(files: ServiceFiles, deploy_group: str | None = None) -> list[Planned]:
    """Every cluster.instance of the yamls (clusters sorted, type order, yaml order), optionally of one deploy group."""
    from paasta_tools.config.loader import build_instance_config
    from paasta_tools.config.soa_dir import INSTANCE_TYPES

    planned = []
    for cluster in files.clusters():
        for instance_type in INSTANCE_TYPES:
            for instance in files.instances(instance_type, cluster):
                if deploy_group is not None:
                    config = build_instance_config(files, instance_type, cluster, instance)
                    if config.get_deploy_group() != deploy_group:
                        continue
                planned.append(Planned(cluster, instance, instance_type))
    return planned


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


def _instance_error(ctx: StatusContext, cluster: str, item: Planned, message: str) -> Any:
    from paasta_tools.deployments import sha_from_docker_image
    from paasta_tools.status.report import InstanceError

    entry = ctx.deployments.get_branch_dict(ctx.service, f"{cluster}.{item.instance}")
    sha = sha_from_docker_image(entry.get("docker_image", ""))[:8]
    return InstanceError(item.instance, item.instance_type, sha, message)


def cluster_report(ctx: StatusContext, cluster: str, planned: Sequence[Planned], deployed: set[str]) -> ClusterReport:
    """The report of one cluster; scheduler errors become the report's (or an instance's) error."""
    from paasta_tools.errors import PaastaError
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
            statuses.append(_instance_error(ctx, cluster, item, str(exc)))
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
    if namespace.proxy_port is not None and data["mesos_error"] is None:
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


def deployed_clusters(planned: Sequence[Planned], deployed: set[str]) -> list[str]:
    """Clusters (in planned order) with at least one deployed instance."""
    clusters: dict[str, None] = {}
    for item in planned:
        if f"{item.cluster}.{item.instance}" in deployed:
            clusters.setdefault(item.cluster)
    return list(clusters)


def collect_reports(ctx: StatusContext, planned: Sequence[Planned], clusters: Sequence[str]) -> list[ClusterReport]:
    """One report per cluster, clusters queried in parallel threads."""
    from concurrent.futures import ThreadPoolExecutor

    deployed = _deployed_names(ctx)
    if not clusters:
        return []
    with ThreadPoolExecutor(max_workers=min(len(clusters), 16)) as pool:
        futures = [
            pool.submit(cluster_report, ctx, cluster, [p for p in planned if p.cluster == cluster], deployed)
            for cluster in clusters
        ]
        return [future.result() for future in futures]


def _deployed_names(ctx: StatusContext) -> set[str]:
    prefix = f"{ctx.service}:paasta-"
    return {key[len(prefix) :] for key in ctx.deployments.v1 if key.startswith(prefix)}


def paasta_status(args: argparse.Namespace) -> int:
    """Entry point of ``paasta status``."""
    from paasta_tools.cli.cmds.start_stop_restart import figure_out_service_name

    service = figure_out_service_name(args.service, args.soa_dir)
    return report_status(
        service,
        args.soa_dir,
        clusters=_split(args.clusters),
        instances=_split(args.instances),
        deploy_group=args.deploy_group,
        verbose=args.verbose,
        output=args.output,
    )


def report_status(
    service: str,
    soa_dir: str,
    clusters: Sequence[str] = (),
    instances: Sequence[str] = (),
    deploy_group: str | None = None,
    verbose: int = 0,
    output: str = "text",
    out: Any = None,
) -> int:
    """Print the status of ``service`` (text or JSON) and return the exit code."""
    from paasta_tools.config.soa_dir import read_service_files
    from paasta_tools.deployments import load_deployments_json
    from paasta_tools.errors import NoDeploymentsAvailable
    from paasta_tools.system_config import load_system_paasta_config

    out = out or sys.stdout
    try:
        deployments = load_deployments_json(service, soa_dir)
    except NoDeploymentsAvailable:
        deployments = None
    if deployments is None or not deployments.v1:
        out.write(MISSING_DEPLOYMENTS_MESSAGE + "\n")
        return EXIT_FAILURE
    files = read_service_files(soa_dir, service)
    planned = planned_deployments(files, deploy_group)
    if deploy_group is not None and not planned:
        out.write(f"No instances of {service} use the deploy group {deploy_group}.\n")
        return EXIT_FAILURE
    now = datetime.datetime.now(datetime.UTC)
    ctx = StatusContext(service, files, deployments, load_system_paasta_config(), verbose, now, dict(FETCHERS))
    selected = [
        p for p in planned if (not clusters or p.cluster in clusters) and (not instances or p.instance in instances)
    ]
    known_clusters = deployed_clusters(planned, _deployed_names(ctx))
    reports = collect_reports(ctx, selected, [c for c in known_clusters if not clusters or c in clusters])
    reports = [_with_unknown_instances(r, planned, instances) for r in reports]
    _print_reports(service, reports, clusters, known_clusters, verbose, output, out)
    return EXIT_OK if all(r.ok for r in reports) else EXIT_FAILURE


def _with_unknown_instances(report: ClusterReport, planned: Sequence[Planned], instances: Sequence[str]) -> Any:
    import dataclasses

    known = {p.instance for p in planned if p.cluster == report.cluster}
    return dataclasses.replace(report, unknown_instances=tuple(i for i in instances if i not in known))


def _print_reports(
    service: str,
    reports: Sequence[ClusterReport],
    clusters: Sequence[str],
    known_clusters: Sequence[str],
    verbose: int,
    output: str,
    out: Any,
) -> None:
    import json

    from paasta_tools.status.colors import Palette
    from paasta_tools.status.report import render_cluster, report_json, whitelist_warning

    if output == "json":
        out.write(json.dumps(report_json(service, reports), indent=2, sort_keys=True) + "\n")
        return
    palette = Palette(enabled=bool(getattr(out, "isatty", lambda: False)()))
    lines = [line for report in reports for line in render_cluster(report, verbose, palette)]
    lines += whitelist_warning("cluster", [c for c in clusters if c not in known_clusters])
    out.write("\n".join(lines) + "\n")
