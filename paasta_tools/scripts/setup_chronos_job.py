"""setup_chronos_job: create or update one Chronos job from soa-configs and deployments.json.

Usage: ``setup_chronos_job [-d SOA_DIR] [-v] service.instance``

The job is written only when its config hash (``description``) differs from the job Chronos has; the
result goes to Sensu as ``setup_chronos_job.<service>.<instance>``.  Like upstream it exits 0 once the
event is sent (also for a job that is not deployed yet or cannot be built); 1 for a malformed name or
when Chronos or the system config cannot be reached.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
from collections.abc import Sequence

from paasta_tools.scripts.common import EXIT_FAILURE, EXIT_OK, add_soa_dir_argument, add_verbose_argument, exit_code_of


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="setup_chronos_job", description="Creates chronos jobs.")
    parser.add_argument(
        "service_instance", help="The chronos instance of the service to create or update, e.g. example_service.main"
    )
    add_soa_dir_argument(parser)
    add_verbose_argument(parser)
    return parser.parse_args(argv)


def split_service_instance(service_instance: str) -> tuple[str, str] | None:
    """``service.instance`` as a pair, or None when it is not exactly two non-empty parts."""
    parts = service_instance.split(".")
    if len(parts) != 2 or not all(parts):
        return None
    return parts[0], parts[1]


def _config_error_event(service: str, instance: str, target, error: Exception) -> None:
    """CRITICAL setup event for a job whose configuration cannot be read (when the service's files can)."""
    from paasta_tools.config.monitoring_events import CRITICAL, build_event, check_name
    from paasta_tools.config.soa_dir import read_service_files
    from paasta_tools.errors import PaastaError
    from paasta_tools.operations.chronos_jobs import SETUP_CHECK, SETUP_OVERRIDES, sensu_sender

    output = (
        f"Could not read chronos configuration file for {service}.{instance} in cluster {target.cluster}\n"
        f"Error was: {error}"
    )
    sys.stderr.write(output + "\n")
    try:
        files = read_service_files(target.soa_dir, service, cluster=target.cluster)
    except PaastaError:
        return
    name = check_name(SETUP_CHECK, service, instance)
    event = build_event(name, CRITICAL, output, files, dict(SETUP_OVERRIDES), target.cluster)
    if event is not None:
        sensu_sender(target)(event)


def setup_one(service: str, instance: str, soa_dir: str, verbose: bool) -> int:
    """Set up ``service.instance`` in the local cluster's Chronos and send its event."""
    from paasta_tools.clients.log_writer import load_log_writer
    from paasta_tools.errors import ConfigError, PaastaError
    from paasta_tools.operations import chronos_jobs as ops
    from paasta_tools.system_config import load_system_paasta_config

    system_config = load_system_paasta_config()
    target = ops.target_from_system_config(system_config, soa_dir)
    client = ops.chronos_client_for(system_config, target.cluster)
    try:
        jobs = ops.load_configured_jobs(service, target.cluster, soa_dir, [instance])
    except (ConfigError, PaastaError) as exc:
        _config_error_event(service, instance, target, exc)
        return EXIT_OK
    (result,) = ops.setup_jobs(client, jobs, target, datetime.datetime.now(), load_log_writer(lambda: system_config))
    ops.send_setup_events(jobs, [result], target.cluster, ops.sensu_sender(target))
    if result.status != ops.OK or verbose:
        stream = sys.stderr if result.status != ops.OK else sys.stdout
        stream.write(f"{result.paasta_name}: {result.output}\n")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: exit 1 for a malformed name or an unreachable Chronos/system config, else 0."""
    args = parse_args(argv)
    parsed = split_service_instance(args.service_instance)
    if parsed is None:
        sys.stderr.write(
            f"Invalid service instance specified: {args.service_instance!r}. Format is service.instance.\n"
        )
        return EXIT_FAILURE
    prefix = f"setup_chronos_job: {args.service_instance}: "
    return exit_code_of(lambda: setup_one(*parsed, os.path.abspath(args.soa_dir), args.verbose), prefix)


if __name__ == "__main__":
    sys.exit(main())
