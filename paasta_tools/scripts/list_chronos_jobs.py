"""list_chronos_jobs: print ``service.instance`` of every Chronos job configured in a cluster, one a line.

Usage: ``list_chronos_jobs [-c CLUSTER] [-d SOA_DIR]`` (the cluster defaults to the system config's).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from paasta_tools.scripts.common import EXIT_FAILURE, EXIT_OK, add_soa_dir_argument


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="list_chronos_jobs", description="Lists chronos jobs of a cluster.")
    add_soa_dir_argument(parser)
    parser.add_argument("-c", "--cluster", dest="cluster", default=None, help="the cluster (default: this one)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; exit 1 when no cluster is given and the system config names none."""
    args = parse_args(argv)
    from paasta_tools.config.loader import list_all_instances_for_cluster
    from paasta_tools.errors import PaastaError

    try:
        cluster = args.cluster
        if cluster is None:
            from paasta_tools.system_config import load_system_paasta_config

            cluster = load_system_paasta_config().get_cluster()
        found = list_all_instances_for_cluster(cluster, os.path.abspath(args.soa_dir), "chronos")
    except PaastaError as exc:
        sys.stderr.write(f"list_chronos_jobs: {exc}\n")
        return EXIT_FAILURE
    for service, instance in found:
        print(f"{service}.{instance}")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
