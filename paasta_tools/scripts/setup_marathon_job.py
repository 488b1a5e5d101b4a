"""setup_marathon_job: deploy or move forward the bounce of the given Marathon instances.

Usage: ``setup_marathon_job service.instance [service.instance ...] [-d SOA_DIR] [-v]``

All apps are listed once (tasks embedded); each instance is then bounced one step under its
ZooKeeper lock ``/bounce/<service.instance>`` (held by another run: skipped) and its result sent to
Sensu as ``setup_marathon_job.<service>.<instance>``.  Exit 1 if any instance failed.
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
)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Creates marathon jobs.")
    parser.add_argument(
        "service_instance_list",
        nargs="+",
        help="The list of marathon service instances to create or update",
        metavar="SERVICE.INSTANCE",
    )
    add_soa_dir_argument(parser)
    add_verbose_argument(parser)
    return parser.parse_args(argv)


def split_service_instance(name: str) -> tuple[str, str] | None:
    """``service.instance`` (or a full ``service.instance.git<sha>.config<hash>`` id) as a pair, else None."""
    from paasta_tools.errors import InvalidJobNameError
    from paasta_tools.marathon.job_id import decompose_job_id

    try:
        job = decompose_job_id(name)
    except InvalidJobNameError:
        return None
    return (job.service, job.instance) if job.service and job.instance else None


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    configure_logging(args.verbose)
    from paasta_tools.errors import PaastaError
    from paasta_tools.operations.marathon_reconcile import Reconciler, instance_errors
    from paasta_tools.system_config import load_system_paasta_config

    instances = []
    failed = False
    for name in args.service_instance_list:
        pair = split_service_instance(name)
        if pair is None:
            print(f"Invalid service instance specified. Format is service.instance. Got {name!r}", file=sys.stderr)
            failed = True
            continue
        instances.append(pair)
    if not instances:
        return EXIT_FAILURE
    try:
        reconciler = Reconciler(load_system_paasta_config(), args.soa_dir)
        report = reconciler.run(reconciler.targets(instances))
    except PaastaError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_FAILURE
    for line in instance_errors(report):
        print(line, file=sys.stderr)
    return EXIT_FAILURE if failed or report.failures else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
