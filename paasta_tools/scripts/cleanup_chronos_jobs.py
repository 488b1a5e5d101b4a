"""cleanup_chronos_jobs: delete Chronos jobs no longer in soa-configs, and temporary jobs 24 h after they ran.

Usage: ``cleanup_chronos_jobs [-d SOA_DIR]``

For each job to remove its tasks are killed first, then the job is deleted; an OK
``check_chronos_jobs.<service>.<instance>`` event says it is gone.  Exit 1 on any failure.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
from collections.abc import Sequence

from paasta_tools.scripts.common import EXIT_FAILURE, EXIT_OK, add_soa_dir_argument, exit_code_of


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="cleanup_chronos_jobs", description="Cleans up stale chronos jobs.")
    add_soa_dir_argument(parser)
    return parser.parse_args(argv)


def format_list_output(title: str, job_names: Sequence[str]) -> str:
    """``title`` then each name on its own line, indented two spaces (upstream's section format)."""
    return "{}\n  {}".format(title, "\n  ".join(job_names))


def report_lines(report) -> list[str]:
    """The sections upstream printed for a CleanupReport."""
    if not report.to_delete:
        return ["No Chronos Jobs to remove"]
    sections = (
        ("Successfully Removed Tasks (if any were running) for:", list(report.removed_tasks)),
        ("Failed to Delete Tasks for:", [name for name, _ in report.failed_tasks]),
        ("Successfully Removed Jobs:", list(report.removed_jobs)),
        ("Failed to Delete Jobs:", [name for name, _ in report.failed_jobs]),
    )
    return [format_list_output(title, names) for title, names in sections if names]


def cleanup(soa_dir: str) -> int:
    from paasta_tools.operations import chronos_jobs as ops
    from paasta_tools.system_config import load_system_paasta_config

    system_config = load_system_paasta_config()
    target = ops.target_from_system_config(system_config, soa_dir)
    client = ops.chronos_client_for(system_config, target.cluster)
    broken: list[str] = []

    def on_error(service: str, error: Exception) -> None:
        broken.append(service)
        sys.stderr.write(f"cleanup_chronos_jobs: cannot read service {service}: {error}\n")

    expected = ops.expected_job_names(target.cluster, soa_dir, on_error)
    if broken:
        # Jobs of an unreadable service would look unconfigured and be deleted.
        sys.stderr.write("cleanup_chronos_jobs: not removing anything while a service cannot be read\n")
        return EXIT_FAILURE
    report = ops.cleanup_jobs(client, expected, datetime.datetime.now(datetime.UTC))
    for line in report_lines(report):
        print(line)
    for name, error in report.failed_tasks + report.failed_jobs:
        sys.stderr.write(f"cleanup_chronos_jobs: {name}: {error}\n")
    send = ops.sensu_sender(target)
    for name in report.removed_jobs:
        event = ops.removal_event(name, soa_dir, target.cluster)
        if event is not None:
            send(event)
    return EXIT_FAILURE if report.failed else EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; exit 1 on any failed removal or when Chronos/the system config cannot be reached."""
    args = parse_args(argv)
    return exit_code_of(lambda: cleanup(os.path.abspath(args.soa_dir)), "cleanup_chronos_jobs: ")


if __name__ == "__main__":
    sys.exit(main())
