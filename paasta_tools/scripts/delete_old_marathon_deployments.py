"""delete_old_marathon_deployments: cancel Marathon deployments that have run longer than an age.

Usage: ``delete_old_marathon_deployments [-a AGE] [-n] [-v]``

A deployment older than AGE (default ``1h``; ``30m``, ``2h30m``, ``1d``, or seconds) is cancelled without
``force``, so Marathon rolls its apps back to where they were.  ``-n`` only says what would be done.
"""

from __future__ import annotations

import argparse
import datetime
import sys
from collections.abc import Sequence

from paasta_tools.scripts.common import EXIT_OK, add_verbose_argument, configure_logging, exit_code_of


def _age(text: str) -> datetime.timedelta:
    from paasta_tools.logs.filtering import parse_duration

    seconds = parse_duration(text)
    if seconds is None:
        raise argparse.ArgumentTypeError(f"not a duration: {text!r} (e.g. 90s, 30m, 1h, 2h30m, 1d)")
    return datetime.timedelta(seconds=seconds)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Cancels Marathon deployments that have been running too long.")
    parser.add_argument(
        "-a", "--age", type=_age, default="1h", help="Max age of a Marathon deployment before it is stopped (1h)"
    )
    parser.add_argument("-n", "--dry-run", action="store_true", help="Don't actually stop any Marathon deployments")
    add_verbose_argument(parser)
    return parser.parse_args(argv)


def run(max_age: datetime.timedelta, dry_run: bool) -> int:
    from paasta_tools.clients import marathon_client
    from paasta_tools.marathon.old_deployments import deployment_ages
    from paasta_tools.system_config import load_system_paasta_config

    client = marathon_client.get_marathon_client_from_config(load_system_paasta_config().get_marathon_config())
    now = datetime.datetime.now(datetime.UTC)
    for item in deployment_ages(marathon_client.list_deployments(client), max_age, now):
        what = f"{item.deployment_id} for {item.app_id} as it is {item.age_text} old"
        if item.too_old and dry_run:
            print(f"Would delete {what}")
        elif item.too_old:
            print(f"Deleting {what}")
            marathon_client.delete_deployment(client, item.deployment_id, force=False)
        elif dry_run:
            print(f"NOT deleting {what}")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    configure_logging(args.verbose)
    return exit_code_of(lambda: run(args.age, args.dry_run))


if __name__ == "__main__":
    sys.exit(main())
