"""cleanup_maintenance: clean up maintenance cruft (cron on the masters).

Usage: ``cleanup_maintenance [-v]``

Hosts still draining 10 minutes after their maintenance window started are undrained; hosts still
down 10 minutes after their window ended are brought up; the maintenance role's reservations are
given back on every host that is not draining and taken on every draining host.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Sequence
from typing import Any

from paasta_tools.scripts.common import EXIT_FAILURE, EXIT_OK, add_verbose_argument, configure_logging

log = logging.getLogger(__name__)


def cleanup(client: Any, now_ns: int) -> None:
    """One cleanup pass through ``client`` (a MesosMaintenanceClient)."""
    from paasta_tools import maintenance

    status, schedule = client.status(), client.schedule()
    forgotten_draining = maintenance.hosts_forgotten_draining(status, schedule, now_ns)
    if forgotten_draining:
        log.info("Undraining hosts forgotten draining: %s", ", ".join(forgotten_draining))
        client.undrain(maintenance.machines_of(status, forgotten_draining))
    forgotten_down = maintenance.hosts_forgotten_down(status, schedule, now_ns)
    if forgotten_down:
        log.info("Bringing up hosts forgotten down: %s", ", ".join(forgotten_down))
        client.machines_up(maintenance.machines_of(status, forgotten_down))
    draining = set(maintenance.draining_hosts(client.status()))
    hostnames = {str(slave.get("hostname")) for slave in client.state().get("slaves") or ()}
    if hostnames - draining:
        client.unreserve_all_resources(sorted(hostnames - draining))
    if draining:
        client.reserve_all_resources(sorted(draining))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="cleanup_maintenance", description="Cleans up forgotten maintenance cruft.")
    add_verbose_argument(parser)
    args = parser.parse_args(argv)
    configure_logging(args.verbose)
    from paasta_tools.clients.mesos_maintenance import maintenance_client_from_config
    from paasta_tools.errors import PaastaError
    from paasta_tools.system_config import load_system_paasta_config

    try:
        cleanup(maintenance_client_from_config(load_system_paasta_config()), int(time.time()) * 1_000_000_000)
    except PaastaError as exc:
        print(f"cleanup_maintenance: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
