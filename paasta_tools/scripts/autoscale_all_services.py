"""autoscale_all_services: the cron job (every 5 minutes, leading Mesos master) autoscaling Marathon instances.

Usage: ``autoscale_all_services [-d SOA_DIR] [-v]``

Every instance of this cluster with ``max_instances``, desired state ``start`` and a decision policy
other than ``bespoke`` gets a new instance count in ZooKeeper (see docs/source/autoscaling.rst);
the next deploy_marathon_services run scales its app.  Another run holding the lock makes this one
skip.  An instance that cannot be autoscaled is logged to its service's deploy log; one that failed
for a reason other than having no metrics yet is also written to stderr and makes the exit code 1.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from paasta_tools.scripts.common import (
    EXIT_FAILURE,
    EXIT_OK,
    add_soa_dir_argument,
    configure_logging,
)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Autoscales marathon jobs")
    add_soa_dir_argument(parser)
    parser.add_argument("-v", "--verbose", action="store_true", dest="verbose", help="Increase logging verboseness")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    configure_logging(args.verbose)
    from paasta_tools.clients.log_writer import load_log_writer
    from paasta_tools.errors import PaastaError
    from paasta_tools.operations.service_autoscaler import autoscale_services
    from paasta_tools.system_config import load_system_paasta_config

    try:
        system_config = load_system_paasta_config()
        report = autoscale_services(system_config, args.soa_dir, load_log_writer(lambda: system_config))
    except PaastaError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_FAILURE
    if report.lock_held:
        print("Skipping autoscaling run for services because the lock is held", file=sys.stderr)
    for result in report.results:
        if args.verbose and result.error is None:
            outcome = "unchanged" if result.new_instances is None else f"now {result.new_instances} instances"
            print(f"{result.name}: {outcome}", file=sys.stderr)
        elif result.error is not None and (args.verbose or not result.no_data):
            print(f"{result.name}: {result.error}", file=sys.stderr)
    return EXIT_FAILURE if report.failures else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
