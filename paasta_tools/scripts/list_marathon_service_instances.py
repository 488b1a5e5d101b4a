"""list_marathon_service_instances: the marathon instances of a cluster, one ``service.instance`` a line.

Usage: ``list_marathon_service_instances [-c CLUSTER] [-d SOA_DIR] [-m]``

With ``-m/--minimal`` only the instances whose Marathon apps differ from soa-configs are listed:
an app id missing or extra, a wrong instance count (§4.8).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from paasta_tools.scripts.common import EXIT_FAILURE, EXIT_OK, add_soa_dir_argument


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Lists marathon instances for a service.")
    parser.add_argument(
        "-c",
        "--cluster",
        dest="cluster",
        metavar="CLUSTER",
        default=None,
        help="define a specific cluster to read from",
    )
    add_soa_dir_argument(parser)
    parser.add_argument(
        "-m",
        "--minimal",
        dest="minimal",
        action="store_true",
        default=False,
        help="show only service instances that need bouncing",
    )
    return parser.parse_args(argv)


def run(cluster: str | None, soa_dir: str, minimal: bool) -> list[str]:
    from paasta_tools.config.loader import list_all_instances_for_cluster
    from paasta_tools.system_config import load_system_paasta_config

    system_config = load_system_paasta_config() if cluster is None or minimal else None
    cluster = cluster or system_config.get_cluster()
    instances = list_all_instances_for_cluster(cluster, soa_dir, instance_type="marathon")
    if not minimal:
        return [f"{service}.{instance}" for service, instance in instances]
    from paasta_tools.operations.marathon_listing import instances_needing_bounce

    return instances_needing_bounce(system_config, soa_dir, cluster, instances)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    from paasta_tools.errors import PaastaError

    try:
        lines = run(args.cluster, args.soa_dir, args.minimal)
    except PaastaError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_FAILURE
    if lines:
        print("\n".join(lines))
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
