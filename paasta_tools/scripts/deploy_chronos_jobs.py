"""deploy_chronos_jobs: set up every Chronos job of this cluster from soa-configs, with one job list call.

Usage: ``deploy_chronos_jobs [-d SOA_DIR] [-v]``

The cron entry point (upstream ran ``list_chronos_jobs | xargs setup_chronos_job``, one list call per job).
Only created or changed jobs are written, parents before their children; a job that cannot be built or
written is reported (stderr and its ``setup_chronos_job.<service>.<instance>`` event) and the others go
ahead.  Exit 0 when every job is set up or simply not deployed yet, 1 otherwise.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
from collections.abc import Sequence

from paasta_tools.scripts.common import EXIT_FAILURE, EXIT_OK, add_soa_dir_argument, add_verbose_argument, exit_code_of


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="deploy_chronos_jobs", description="Creates or updates every Chronos job of this cluster."
    )
    add_soa_dir_argument(parser)
    add_verbose_argument(parser)
    return parser.parse_args(argv)


def deploy_all(soa_dir: str, verbose: bool) -> int:
    """Set up all jobs of the local cluster; print what changed and what broke."""
    from paasta_tools.chronos.plan import JobAction
    from paasta_tools.clients.log_writer import load_log_writer
    from paasta_tools.operations import chronos_jobs as ops
    from paasta_tools.system_config import load_system_paasta_config

    system_config = load_system_paasta_config()
    target = ops.target_from_system_config(system_config, soa_dir)
    client = ops.chronos_client_for(system_config, target.cluster)
    broken_services: list[str] = []

    def on_error(service: str, error: Exception) -> None:
        broken_services.append(service)
        sys.stderr.write(f"deploy_chronos_jobs: skipping service {service}: {error}\n")

    jobs = ops.load_cluster_jobs(target.cluster, soa_dir, on_error)
    results = ops.setup_jobs(client, jobs, target, datetime.datetime.now(), load_log_writer(lambda: system_config))
    ops.send_setup_events(jobs, results, target.cluster, ops.sensu_sender(target))
    for result in results:
        if result.action in (JobAction.CREATE, JobAction.UPDATE) and not result.failed:
            verb = "Created" if result.action is JobAction.CREATE else "Updated"
            print(f"{verb} Chronos job: {result.paasta_name}")
        elif result.status != ops.OK:
            sys.stderr.write(f"deploy_chronos_jobs: {result.paasta_name}: {result.output}\n")
        elif verbose:
            print(f"Unchanged Chronos job: {result.paasta_name}")
    return EXIT_FAILURE if broken_services or any(result.failed for result in results) else EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; exit 1 when a job or service is broken or Chronos/the system config cannot be reached."""
    args = parse_args(argv)
    return exit_code_of(lambda: deploy_all(os.path.abspath(args.soa_dir), args.verbose), "deploy_chronos_jobs: ")


if __name__ == "__main__":
    sys.exit(main())
