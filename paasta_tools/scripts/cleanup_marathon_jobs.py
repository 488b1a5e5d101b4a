"""cleanup_marathon_jobs: delete Marathon apps whose instance is no longer in soa-configs.

Usage: ``cleanup_marathon_jobs [-d SOA_DIR] [-t KILL_THRESHOLD] [-v] [-f]``

Refuses (exit 1) to delete more than KILL_THRESHOLD (default 0.5) of the running apps unless
``--force``.  Each deletion resolves the instance's Sensu checks with an OK event.
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
    exit_code_of,
)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Cleans up stale marathon jobs.")
    add_soa_dir_argument(parser)
    parser.add_argument(
        "-t",
        "--kill-threshold",
        dest="kill_threshold",
        type=float,
        default=0.5,
        help="The decimal fraction of apps we think is sane to kill when this job runs",
    )
    add_verbose_argument(parser)
    parser.add_argument(
        "-f",
        "--force",
        action="store_true",
        dest="force",
        default=False,
        help="Force the cleanup if we are above the kill_threshold",
    )
    return parser.parse_args(argv)


def run(soa_dir: str, kill_threshold: float, force: bool) -> int:
    from paasta_tools.clients.log_writer import load_log_writer
    from paasta_tools.clients.marathon_client import get_marathon_client_from_config
    from paasta_tools.config.loader import list_all_instances_for_cluster
    from paasta_tools.operations import marathon_cleanup as cleanup
    from paasta_tools.operations.locks import ZkLocks
    from paasta_tools.operations.sensu_events import SensuTarget
    from paasta_tools.system_config import load_system_paasta_config

    system_config = load_system_paasta_config()
    unreadable: list[str] = []
    valid = list_all_instances_for_cluster(
        system_config.get_cluster(), soa_dir, "marathon", on_error=lambda service, exc: unreadable.append(service)
    )
    client = get_marathon_client_from_config(system_config.get_marathon_config())
    plan = cleanup.plan_app_cleanup(cleanup.list_running_app_ids(client), valid, unreadable)
    for app_id in plan.skipped_ids:
        print(f"{app_id} doesn't conform to paasta naming conventions? Skipping.", file=sys.stderr)
    with ZkLocks(system_config.get("zookeeper") or "") as locks:
        report = cleanup.cleanup_apps(
            client,
            locks,
            plan,
            soa_dir,
            SensuTarget.from_system_config(system_config),
            kill_threshold,
            force,
            load_log_writer(lambda: system_config),
        )
    for app_id in report.deleted:
        print(f"Deleted stale marathon job that looks lost: {app_id}")
    for error in report.errors:
        print(error, file=sys.stderr)
    return EXIT_FAILURE if report.errors else EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    configure_logging(args.verbose)
    return exit_code_of(lambda: run(args.soa_dir, args.kill_threshold, args.force))


if __name__ == "__main__":
    sys.exit(main())
