"""deploy_marathon_services: the cron entry point reconciling every Marathon instance of the cluster.

Usage: ``deploy_marathon_services [-d SOA_DIR] [-j JOBS] [-v]``

Unlike upstream (one setup_marathon_job process and one app listing per instance), the apps are
listed once for the whole run and only the instances that need work are touched: the desired app
is missing, another app of the instance exists, the instance count differs, or a task is draining.
An instance not deployed yet (no image in deployments.json) is left alone, as upstream's cron did.
A broken instance is reported and the others go on; the exit code is then 1.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from paasta_tools.scripts.common import (
    EXIT_FAILURE,
    EXIT_OK,
    add_soa_dir_argument,
    add_verbose_argument,
    configure_logging,
    positive_int,
)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Deploys every marathon service instance of this cluster.")
    add_soa_dir_argument(parser)
    parser.add_argument(
        "-j",
        "--jobs",
        dest="jobs",
        type=positive_int,
        default=1,
        help="how many instances to deploy at once (default 1)",
    )
    add_verbose_argument(parser)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    configure_logging(args.verbose)
    from paasta_tools.errors import PaastaError
    from paasta_tools.operations.marathon_reconcile import Reconciler, instance_errors
    from paasta_tools.system_config import load_system_paasta_config

    try:
        reconciler = Reconciler(load_system_paasta_config(), args.soa_dir, workers=args.jobs)
        report = reconciler.run(reconciler.cluster_targets(), only_needed=True)
    except PaastaError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_FAILURE
    for line in instance_errors(report):
        print(line, file=sys.stderr)
    if args.verbose:
        touched = len(report.touched)
        print(f"{len(report.outcomes)} marathon instances, {touched} needed work", file=sys.stderr)
    return EXIT_FAILURE if report.failures else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
