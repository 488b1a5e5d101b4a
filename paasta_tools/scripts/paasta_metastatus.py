"""paasta_metastatus: the health of the cluster this master belongs to.

Usage: ``paasta_metastatus [-v[v[v]]] [-g ATTRIBUTE ...] [-H] [-a] [-d SOA_DIR]``

The local cluster is the system config's ``cluster``; its Mesos master, Marathon and Chronos are
read and judged by the same code as ``paasta metastatus`` (paasta_tools.operations.metastatus), which
prints this report under a ``Cluster:`` header and the dashboards.  Exit 0 when every check passes,
2 when one fails (a framework that does not answer included), 1 when the system config is broken.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from paasta_tools.scripts.common import EXIT_FAILURE, EXIT_OK, add_soa_dir_argument

EXIT_UNHEALTHY = 2


def build_parser() -> argparse.ArgumentParser:
    """The script's flags (upstream's, plus ``-d`` for the soa-configs ``-a`` reads)."""
    parser = argparse.ArgumentParser(
        prog="paasta_metastatus",
        description="Reports the health and capacity of the local cluster's Mesos, Marathon and Chronos.",
    )
    parser.add_argument(
        "-g", "--groupings", nargs="+", default=["region"],
        help="Group resource information of slaves grouped by attribute. Note: This is only effective with -vv",
    )  # fmt: skip
    parser.add_argument(
        "-v", "--verbose", action="count", dest="verbose", default=0,
        help="Print out more output regarding the state of the cluster (up to -vvv)",
    )  # fmt: skip
    parser.add_argument(
        "-H", "--humanize", action="store_true", dest="humanize", default=False, help="Print human-readable sizes"
    )
    parser.add_argument(
        "-a", "--autoscaling-info", action="store_true", default=False, dest="autoscaling_info",
        help="Show the current and desired instances of each autoscaled Marathon app (max_instances set); implies -vv",
    )  # fmt: skip
    add_soa_dir_argument(parser)
    return parser


def run(args: argparse.Namespace, system: Any, out: Any) -> int:
    """Write the local cluster's report to ``out``; the exit code."""
    from paasta_tools.operations.metastatus import MetastatusOptions, cluster_health_lines
    from paasta_tools.status.colors import Palette

    palette = Palette(enabled=bool(getattr(out, "isatty", lambda: False)()))
    verbose = max(args.verbose, 2) if args.autoscaling_info else args.verbose
    options = MetastatusOptions(args.soa_dir, verbose, tuple(args.groupings), args.humanize, args.autoscaling_info)
    lines, healthy = cluster_health_lines(system, system.get_cluster(), options, palette)
    out.write("\n".join(lines) + "\n")
    return EXIT_OK if healthy else EXIT_UNHEALTHY


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from paasta_tools.errors import PaastaError
    from paasta_tools.system_config import load_system_paasta_config

    try:
        return run(args, load_system_paasta_config(), sys.stdout)
    except PaastaError as exc:
        print(f"paasta_metastatus: {exc}", file=sys.stderr)
        return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
