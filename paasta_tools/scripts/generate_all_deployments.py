"""generate_all_deployments: deployments.json for every service of the soa dir, a few at a time.

Usage: ``generate_all_deployments [-d SOA_DIR] [-j JOBS] [-v]``

Runs generate_deployments_for_service for each service directory, at most JOBS (default 4, as
upstream's ``xargs -P 4``) at once.  A service that fails (unreadable configs, git remote gone, an
instance left out) is reported on stderr and never stops the others; the exit code is then 1.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from paasta_tools.scripts import generate_deployments_for_service as single
from paasta_tools.scripts.common import EXIT_FAILURE, EXIT_OK, add_soa_dir_argument, add_verbose_argument, positive_int

DEFAULT_JOBS = 4

Generate = Callable[[str, str], "tuple[bool, tuple[str, ...]]"]


@dataclass(frozen=True)
class ServiceOutcome:
    """One service's run: ``written`` when deployments.json changed, ``problems`` when anything failed."""

    service: str
    written: bool = False
    problems: tuple[str, ...] = ()

    @property
    def failed(self) -> bool:
        return bool(self.problems)


def _run_one(service: str, soa_dir: str, generate: Generate) -> ServiceOutcome:
    from paasta_tools.errors import PaastaError

    try:
        written, problems = generate(service, soa_dir)
    except PaastaError as exc:
        return ServiceOutcome(service, problems=(str(exc),))
    except Exception as exc:  # a bug or library surprise in one service must not stop the others
        return ServiceOutcome(service, problems=(f"unexpected error: {type(exc).__name__}: {exc}",))
    return ServiceOutcome(service, written, tuple(f"skipped instance: {p}" for p in problems))


def generate_all(
    services: Sequence[str], soa_dir: str, jobs: int = DEFAULT_JOBS, generate: Generate | None = None
) -> list[ServiceOutcome]:
    """Run ``generate(service, soa_dir)`` for every service, ``jobs`` at a time; outcomes in input order."""
    generate = generate or single.generate_deployments_for_service
    if jobs <= 1 or len(services) <= 1:
        return [_run_one(service, soa_dir, generate) for service in services]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="generate") as pool:
        return list(pool.map(lambda service: _run_one(service, soa_dir, generate), services))


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="generate_all_deployments",
        description="Creates deployments.json for every paasta service of the soa dir.",
    )
    add_soa_dir_argument(parser)
    parser.add_argument(
        "-j",
        "--jobs",
        dest="jobs",
        type=positive_int,
        default=DEFAULT_JOBS,
        help=f"how many services to generate at once (default {DEFAULT_JOBS})",
    )
    add_verbose_argument(parser)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    import os

    from paasta_tools.config.soa_dir import list_services
    from paasta_tools.errors import PaastaError

    single._VERBOSE["on"] = args.verbose
    soa_dir = os.path.abspath(args.soa_dir)
    try:
        services = list_services(soa_dir)
    except PaastaError as exc:
        print(f"generate_all_deployments: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    outcomes = generate_all(services, soa_dir, args.jobs)
    for outcome in outcomes:
        for problem in outcome.problems:
            print(f"generate_all_deployments: {outcome.service}: {problem}", file=sys.stderr)
    if args.verbose:
        written = sum(1 for o in outcomes if o.written)
        print(f"{len(outcomes)} services, {written} deployments.json written", file=sys.stderr)
    return EXIT_FAILURE if any(o.failed for o in outcomes) else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
