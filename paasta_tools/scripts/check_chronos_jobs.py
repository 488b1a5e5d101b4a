"""check_chronos_jobs: send each Chronos job's health (last run, stuck, missing, disabled) to Sensu.

Usage: ``check_chronos_jobs [-d SOA_DIR] [-v]``

One ``check_chronos_jobs.<service>.<instance>`` event per deployed job of this cluster.  Exit 0 once
the events are sent; 2 (CRITICAL) when Chronos cannot be asked, 1 when the system config is unusable.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
from collections.abc import Sequence

from paasta_tools.scripts.common import EXIT_OK, add_soa_dir_argument, add_verbose_argument, exit_code_of
from paasta_tools.status.colors import DEFAULT, RED

EXIT_CRITICAL = 2


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="check_chronos_jobs", description="Check the status of chronos jobs, and report their status to Sensu."
    )
    add_soa_dir_argument(parser)
    add_verbose_argument(parser)
    return parser.parse_args(argv)


def check_all(soa_dir: str, verbose: bool) -> int:
    from paasta_tools.errors import ChronosError
    from paasta_tools.operations import chronos_checks as checks
    from paasta_tools.operations import chronos_jobs as ops
    from paasta_tools.system_config import load_system_paasta_config

    system_config = load_system_paasta_config()
    target = ops.target_from_system_config(system_config, soa_dir)
    jobs = ops.load_cluster_jobs(
        target.cluster, soa_dir, lambda service, error: sys.stderr.write(f"check_chronos_jobs: {service}: {error}\n")
    )
    now = datetime.datetime.now(datetime.UTC)
    try:
        client = ops.chronos_client_for(system_config, target.cluster)
        results = checks.check_cluster_jobs(client, jobs, target.cluster, now)
    except ChronosError as exc:
        print(f"{RED}CRITICAL: Unable to connect to Chronos: {exc}{DEFAULT}")
        return EXIT_CRITICAL
    send = ops.sensu_sender(target)
    for result in results:
        event = checks.check_event(result, target.cluster, now)
        if event is not None:
            send(event)
        if verbose:
            print(f"{result.job.paasta_name}: {result.output.splitlines()[0]}")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point (see the module doc for exit codes)."""
    args = parse_args(argv)
    return exit_code_of(lambda: check_all(os.path.abspath(args.soa_dir), args.verbose), "check_chronos_jobs: ")


if __name__ == "__main__":
    sys.exit(main())
