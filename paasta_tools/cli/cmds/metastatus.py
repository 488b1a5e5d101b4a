"""``paasta metastatus``: the health of whole clusters, read from their Mesos, Marathon and Chronos APIs.

Per cluster: ``Cluster: <name>``, the dashboards, then the Mesos (resources against 10% free,
tasks, slaves, frameworks), Marathon (apps, tasks, deployments) and Chronos (enabled and queued
jobs) summaries; ``-v`` lists every check, ``-vv`` adds resources grouped by attribute, ``-vvv``
per agent.  Exit 2 when a cluster is unhealthy, 1 when a cluster name is unknown, else 0.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from paasta_tools.cli.arguments import SHORT_SOA_DIR_HELP, add_soa_dir_argument, split_comma_list

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_UNHEALTHY = 2


def add_subparser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "metastatus",
        help="Display the status for an entire PaaSTA cluster",
        description="'paasta metastatus' reads the Mesos master, Marathon and Chronos of each cluster and "
        "reports their overall health and capacity.",
    )
    parser.add_argument(
        "-v", "--verbose", action="count", dest="verbose", default=0,
        help="Print out more output regarding the state of the cluster (up to -vvv)",
    )  # fmt: skip
    parser.add_argument("-c", "--clusters", help="A comma separated list of clusters to view. Defaults to all.")
    add_soa_dir_argument(parser, help=SHORT_SOA_DIR_HELP)
    parser.add_argument(
        "-g", "--groupings", nargs="+", default=["region"],
        help="Group resource information of slaves grouped by attribute (with -vv)",
    )  # fmt: skip
    parser.add_argument("-H", "--humanize", action="store_true", default=False, help="Print human-readable sizes")
    parser.set_defaults(command_func=paasta_metastatus)


def _mesos_results(endpoints: Any, palette: Any) -> tuple[list[Any], dict[str, Any] | None]:
    from paasta_tools.clients.mesos import MesosMasterClient
    from paasta_tools.errors import PaastaError
    from paasta_tools.status import metastatus

    if not endpoints.mesos_url:
        return metastatus.unreachable("Mesos", "no mesos_url in the system config"), None
    try:
        client = MesosMasterClient(endpoints.mesos_url)
        state, metrics = client.state(), client.metrics_snapshot()
    except PaastaError as exc:
        return metastatus.unreachable("Mesos", str(exc)), None
    return metastatus.mesos_results(state, metrics, palette), state


def _marathon_results(endpoints: Any) -> list[Any]:
    from marathon.exceptions import MarathonError as ClientError

    from paasta_tools.clients import marathon_client
    from paasta_tools.errors import PaastaError
    from paasta_tools.status import metastatus

    if not endpoints.marathon_config:
        return metastatus.not_configured("Marathon")
    try:
        client = marathon_client.get_marathon_client_from_config(endpoints.marathon_config, timeout=10)
        apps = marathon_client.list_apps(client)
        tasks = client.list_tasks()
        deployments = client.list_deployments()
    except (PaastaError, ClientError) as exc:
        return metastatus.unreachable("Marathon", str(exc))
    return metastatus.marathon_results(len(apps), len(tasks), len(deployments))


def _chronos_results(endpoints: Any) -> list[Any]:
    from paasta_tools.clients.chronos_client import get_chronos_client_from_config
    from paasta_tools.errors import PaastaError
    from paasta_tools.status import metastatus

    if not endpoints.chronos_config:
        return metastatus.not_configured("Chronos")
    try:
        client = get_chronos_client_from_config(endpoints.chronos_config)
        jobs = client.list()
        # chronos-python cannot read the empty graph of a Chronos without jobs
        graph = client.scheduler_graph() if jobs else ""
    except PaastaError as exc:
        return metastatus.unreachable("Chronos", str(exc))
    return metastatus.chronos_results(jobs, graph)


def cluster_status_lines(
    system: Any, cluster: str, verbose: int, groupings: Sequence[str], humanize: bool, palette: Any
) -> tuple[list[str], bool]:
    """The cluster's block and whether it is healthy."""
    from paasta_tools import __version__
    from paasta_tools.status import metastatus

    endpoints = system.get_cluster_endpoints(cluster)
    mesos, state = _mesos_results(endpoints, palette)
    marathon = _marathon_results(endpoints)
    chronos = _chronos_results(endpoints)
    lines = [f"Cluster: {cluster}"]
    lines += metastatus.dashboard_lines(cluster, system.get_dashboard_links().get(cluster) or {}, palette)
    lines.append(f"Master paasta_tools version: {__version__}")
    lines += metastatus.summary_lines("Mesos", mesos, verbose, palette)
    if verbose > 1 and state is not None:
        for grouping in groupings:
            lines += metastatus.grouping_lines(state, grouping, palette, humanize=humanize)
        if verbose > 2:
            lines += metastatus.per_slave_lines(state, palette, humanize=humanize)
    lines += metastatus.summary_lines("Marathon", marathon, verbose, palette)
    lines += metastatus.summary_lines("Chronos", chronos, verbose, palette)
    healthy = all(metastatus.is_healthy(results) for results in (mesos, marathon, chronos))
    return lines + [""], healthy


def paasta_metastatus(args: argparse.Namespace, out: Any = None) -> int:
    """Entry point of ``paasta metastatus``."""
    from paasta_tools.config.soa_dir import list_clusters
    from paasta_tools.errors import PaastaError
    from paasta_tools.status.colors import Palette
    from paasta_tools.system_config import load_system_paasta_config

    out = out or sys.stdout
    palette = Palette(enabled=bool(getattr(out, "isatty", lambda: False)()))
    system = load_system_paasta_config()
    all_clusters = list_clusters(args.soa_dir)
    wanted = split_comma_list(args.clusters) or all_clusters
    codes = [EXIT_OK]
    for cluster in wanted:
        if cluster not in all_clusters:
            out.write(f"Cluster {cluster} doesn't look like a valid cluster?\n")
            out.write("Try using tab completion to help complete the cluster name\n")
            codes.append(EXIT_FAILURE)
            continue
        try:
            lines, healthy = cluster_status_lines(system, cluster, args.verbose, args.groupings, args.humanize, palette)
        except PaastaError as exc:
            lines, healthy = [f"Cluster: {cluster}", palette.red(f"Error: {exc}"), ""], False
        out.write("\n".join(lines) + "\n")
        codes.append(EXIT_OK if healthy else EXIT_UNHEALTHY)
    return max(codes)
