"""``paasta metastatus``: the health of whole clusters, read from their Mesos, Marathon and Chronos APIs.

Per cluster: ``Cluster: <name>``, the dashboards, then the Mesos (resources against 10% free,
tasks, slaves, the masters registered in ZooKeeper against the quorum, frameworks), Marathon (apps,
tasks, deployments) and Chronos (enabled and queued jobs) summaries; ``-v`` lists every check,
``-vv`` adds resources grouped by attribute, ``-vvv`` per agent, ``-a`` the autoscaled apps.
Exit 2 when a cluster is unhealthy, 1 when a cluster name is unknown, else 0.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from paasta_tools.cli.arguments import SHORT_SOA_DIR_HELP, add_soa_dir_argument, split_comma_list
from paasta_tools.operations.metastatus import MetastatusOptions, cluster_health_lines

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
    parser.add_argument(
        "-a", "--autoscaling-info", action="store_true", default=False,
        help="Show the current and desired instances of each autoscaled Marathon app (max_instances set); implies -vv",
    )  # fmt: skip
    parser.set_defaults(command_func=paasta_metastatus)


def cluster_status_lines(system: Any, cluster: str, options: MetastatusOptions, palette: Any) -> tuple[list[str], bool]:
    """The cluster's block (``Cluster:``, dashboards, then its health report) and whether it is healthy."""
    from paasta_tools.status import metastatus

    lines = [f"Cluster: {cluster}"]
    lines += metastatus.dashboard_lines(cluster, system.get_dashboard_links().get(cluster) or {}, palette)
    health, healthy = cluster_health_lines(system, cluster, options, palette)
    return lines + health + [""], healthy


def options_from_args(args: argparse.Namespace) -> MetastatusOptions:
    """The options of the parsed flags; ``-a`` implies ``-vv``."""
    verbose = max(args.verbose, 2) if args.autoscaling_info else args.verbose
    return MetastatusOptions(args.soa_dir, verbose, tuple(args.groupings), args.humanize, args.autoscaling_info)


def paasta_metastatus(args: argparse.Namespace, out: Any = None) -> int:
    """Entry point of ``paasta metastatus``."""
    from paasta_tools.config.soa_dir import list_clusters
    from paasta_tools.errors import PaastaError
    from paasta_tools.status.colors import Palette
    from paasta_tools.system_config import load_system_paasta_config

    out = out or sys.stdout
    palette = Palette(enabled=bool(getattr(out, "isatty", lambda: False)()))
    system = load_system_paasta_config()
    options = options_from_args(args)
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
            lines, healthy = cluster_status_lines(system, cluster, options, palette)
        except PaastaError as exc:
            lines, healthy = [f"Cluster: {cluster}", palette.red(f"Error: {exc}"), ""], False
        out.write("\n".join(lines) + "\n")
        codes.append(EXIT_OK if healthy else EXIT_UNHEALTHY)
    return max(codes)
