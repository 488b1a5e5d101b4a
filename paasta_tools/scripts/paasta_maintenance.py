"""paasta_maintenance: drain, take down and bring back Mesos hosts through the master's maintenance API.

Usage: ``paasta_maintenance ACTION [hostname ...] [-s START] [-d DURATION] [-v]``

``drain`` reserves the hosts' free resources and schedules a maintenance window (``-s`` start,
default now; ``-d`` duration, default 1h) so their tasks count as "at risk" and get replaced;
``undrain`` reverses it; ``down``/``up`` take drained hosts out of and back into service;
``status`` and ``schedule`` print the master's documents.  The ``is_*`` checks print True or False
and exit 0 or 1 accordingly.  A host may be given as ``host|ip``; the default is this host's FQDN.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from paasta_tools.scripts.common import EXIT_FAILURE, EXIT_OK

ACTIONS = (
    "down",
    "drain",
    "is_host_down",
    "is_host_drained",
    "is_host_draining",
    "is_host_past_maintenance_end",
    "is_host_past_maintenance_start",
    "is_safe_to_drain",
    "is_safe_to_kill",
    "schedule",
    "status",
    "undrain",
    "up",
)
DEFAULT_CREDENTIALS_FILE = "/nail/etc/mesos-slave-secret"


def _local_fqdn() -> str:
    import socket

    return socket.getfqdn()


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="paasta_maintenance", description="Manipulate the maintenance state of a PaaSTA host."
    )
    parser.add_argument(
        "-d", "--duration", default="1h", help="Duration of the maintenance window, e.g. 1h, 30m, 1d3h (default 1h)."
    )
    parser.add_argument("-s", "--start", default=None, help="Time to start the maintenance window. Defaults to now.")
    parser.add_argument("action", choices=ACTIONS, help="Action to perform on the specified hosts")
    parser.add_argument(
        "hostname",
        nargs="*",
        help="Hostname(s) of machine(s) to act on (default: this host). "
        "You can specify <hostname>|<ip> to avoid querying DNS to determine the corresponding IP.",
    )
    parser.add_argument(
        "--credentials",
        default=None,
        help=f"JSON file with the principal and secret for the master (upstream read {DEFAULT_CREDENTIALS_FILE})",
    )
    parser.add_argument("-v", "--verbose", action="count", dest="verbose", default=0, help="Print out more output.")
    return parser.parse_args(argv)


def _configure_logging(verbose: int) -> None:
    level = logging.DEBUG if verbose >= 2 else logging.INFO if verbose == 1 else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(message)s")


def _resolve(text: str) -> Any:
    """``host|ip`` as given; a bare host gets its IP from DNS (None when it does not resolve)."""
    import socket

    from paasta_tools.maintenance import MachineId, parse_host

    machine = parse_host(text)
    if machine.ip is not None:
        return machine
    try:
        return MachineId(machine.hostname, socket.gethostbyname(machine.hostname))
    except OSError:
        return machine


def _now_ns() -> int:
    return int(time.time()) * 1_000_000_000


def host_checks(client: Any) -> dict[str, Callable[[str], bool]]:
    """The ``is_*`` actions, each a predicate of one hostname asked of ``client``."""
    from paasta_tools import maintenance

    def draining(host: str) -> bool:
        return host in maintenance.draining_hosts(client.status())

    def drained(host: str) -> bool:
        return draining(host) and maintenance.running_task_count(client.state(), host) == 0

    def past_start(host: str) -> bool:
        return host in maintenance.hosts_past_maintenance_start(client.schedule(), _now_ns())

    return {
        "is_host_down": lambda host: host in maintenance.down_hosts(client.status()),
        "is_host_draining": draining,
        "is_host_drained": drained,
        "is_host_past_maintenance_start": past_start,
        "is_host_past_maintenance_end": lambda host: (
            host in maintenance.hosts_past_maintenance_end(client.schedule(), _now_ns())
        ),
        "is_safe_to_kill": lambda host: drained(host) or past_start(host),
    }


def is_safe_to_drain(hostname: str, system_config: Any) -> bool:
    """No healthy Marathon task on ``hostname`` belongs to an app already below 80% healthy.

    Upstream could only look at this host (its local HAProxy); Marathon's task list lets any host be checked.
    """
    from paasta_tools import maintenance
    from paasta_tools.clients import marathon_client

    client = marathon_client.get_marathon_client_from_config(system_config.get_marathon_config())
    in_danger = maintenance.apps_in_danger(marathon_client.list_apps(client, embed_tasks=True), hostname)
    for app_id in in_danger:
        logging.getLogger(__name__).warning("%s has a healthy task on %s but is in danger!", app_id, hostname)
    return not in_danger


def run(args: argparse.Namespace) -> int:
    """Perform ``args.action``; prints upstream's output (Done, True/False or the JSON document)."""
    from paasta_tools import maintenance
    from paasta_tools.clients.mesos_maintenance import maintenance_client_from_config
    from paasta_tools.system_config import load_system_paasta_config

    hostnames = args.hostname or [_local_fqdn()]
    system_config = load_system_paasta_config()
    client = maintenance_client_from_config(system_config, args.credentials)
    action = args.action
    result: Any = "Done"
    if action == "drain":
        start = maintenance.parse_datetime(args.start) if args.start else _now_ns()
        client.drain([_resolve(h) for h in hostnames], start, maintenance.parse_timedelta(args.duration))
    elif action == "undrain":
        client.undrain([_resolve(h) for h in hostnames])
    elif action == "down":
        client.machines_down([_resolve(h) for h in hostnames])
    elif action == "up":
        client.machines_up([_resolve(h) for h in hostnames])
    elif action in ("status", "schedule"):
        result = client.raw_text(f"/master/maintenance/{action}")
    elif action == "is_safe_to_drain":
        result = is_safe_to_drain(maintenance.parse_host(hostnames[0]).hostname, system_config)
    else:
        result = host_checks(client)[action](maintenance.parse_host(hostnames[0]).hostname)
    print(result)
    return EXIT_OK if result else EXIT_FAILURE


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    _configure_logging(args.verbose)
    from paasta_tools.errors import PaastaError

    try:
        return run(args)
    except PaastaError as exc:
        print(f"paasta_maintenance: {exc}", file=sys.stderr)
        return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
