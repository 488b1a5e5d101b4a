"""chronos_rerun: add a temporary copy of a Chronos job that runs once now, for a given execution date.

Usage: ``chronos_rerun [-v] [-d SOA_DIR] [-a] [-f] "service instance" EXECUTION_DATE``

``service instance`` is the Chronos job name (``service.instance`` is accepted too); EXECUTION_DATE is
``YYYY-MM-DDTHH:MM:SS`` and is what the command's time variables are interpolated at.  ``-a`` reruns every
job related through parents in dependency order; ``-f`` reruns a disabled job anyway.  Exit 1 on any error.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
from collections.abc import Sequence

from paasta_tools.scripts.common import EXIT_FAILURE, EXIT_OK, add_soa_dir_argument

EXECUTION_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S"


def parse_execution_date(value: str) -> datetime.datetime:
    """``YYYY-MM-DDTHH:MM:SS`` as a naive datetime; ArgumentTypeError saying what to write otherwise."""
    try:
        return datetime.datetime.strptime(value, EXECUTION_DATE_FORMAT)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a valid execution date: write it as YYYY-MM-DDTHH:MM:SS, e.g. 2016-04-25T00:00:00"
        ) from None


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="chronos_rerun", description="Runs a job once now, as it would have run at the given date."
    )
    parser.add_argument("-v", "--verbose", action="count", default=0)
    add_soa_dir_argument(parser)
    parser.add_argument(
        "-a",
        "--run-all-related-jobs",
        action="store_true",
        dest="run_all_related_jobs",
        default=False,
        help="rerun every job related to this one through parents, in dependency order",
    )
    parser.add_argument(
        "-f", "--force-disabled", action="store_true", dest="force_disabled", default=False, help="rerun a disabled job"
    )
    parser.add_argument("service_instance", help='the job to rerun, e.g. "example_service main"')
    parser.add_argument(
        "execution_date",
        type=parse_execution_date,
        help="the date the command is interpolated at, %%Y-%%m-%%dT%%H:%%M:%%S",
    )
    return parser.parse_args(argv)


def split_job_name(value: str) -> tuple[str, str] | None:
    """``"svc inst"`` or ``svc.inst`` as (service, instance); None for anything else."""
    for spacer in (" ", "."):
        parts = value.split(spacer)
        if len(parts) == 2 and all(parts):
            return parts[0], parts[1]
    return None


def rerun(args: argparse.Namespace, service: str, instance: str) -> list[str]:
    """Add the copies to the local cluster's Chronos; returns their names."""
    from paasta_tools.chronos.rerun import RerunType
    from paasta_tools.operations import chronos_jobs as ops
    from paasta_tools.operations import chronos_rerun as reruns
    from paasta_tools.system_config import load_system_paasta_config

    system_config = load_system_paasta_config()
    target = ops.target_from_system_config(system_config, os.path.abspath(args.soa_dir))
    rerun_type = RerunType.GRAPH if args.run_all_related_jobs else RerunType.INSTANCE
    request = reruns.RerunRequest(service, instance, args.execution_date, rerun_type, args.force_disabled)
    related, jobs = reruns.related_job_names(request, target)
    now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    clones = reruns.build_rerun_jobs(request, rerun_type, jobs, related, target, now)
    return reruns.add_rerun_jobs(ops.chronos_client_for(system_config, target.cluster), clones)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; exit 1 with a message for a bad name, an unknown job, or a failed Chronos call."""
    args = parse_args(argv)
    parsed = split_job_name(args.service_instance)
    if parsed is None:
        sys.stderr.write(f'chronos_rerun: {args.service_instance!r} is not a job name like "service instance"\n')
        return EXIT_FAILURE
    from paasta_tools.errors import PaastaError

    try:
        names = rerun(args, *parsed)
    except PaastaError as exc:
        sys.stderr.write(f"chronos_rerun: {exc}\n")
        return EXIT_FAILURE
    for name in names:
        print(f"Added temporary job: {name}")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
