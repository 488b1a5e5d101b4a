"""check_synapse_replication: a Nagios/Sensu check of how many backends of SmartStack proxies are UP.

Usage: ``check_synapse_replication [-H HOST] [-P PORT] [-F FORMAT] -w RANGE -c RANGE SERVICE...``

Reads this host's synapse HAProxy stats CSV (system config ``synapse_host``, ``synapse_port``,
``synapse_haproxy_url_format`` unless given) and prints, per ``service.namespace``,
``OK|WARNING|CRITICAL <name> has <n> instance(s)[, expected value in (<min>, <max>)]``.  Exit with
the worst status (0 OK, 1 WARNING, 2 CRITICAL); 3 with ``UNKNOWN: <why>`` when HAProxy cannot be read.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

EPILOG = "RANGEs are specified 'min:max' or 'min:' or ':max'"


def _range(text: str) -> tuple[int, int]:
    from paasta_tools.monitoring.synapse_replication import parse_range

    try:
        return parse_range(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    """Upstream's flags (its ``--critcal`` spelling also answers to ``--critical``)."""
    parser = argparse.ArgumentParser(prog="check_synapse_replication", epilog=EPILOG)
    parser.add_argument(
        "services", nargs="+", metavar="SERVICE",
        help="The service.namespace proxies to check, e.g. lucy.main lucy.canary",
    )  # fmt: skip
    parser.add_argument("-H", "--synapse-host", dest="synapse_host", help="The host to check (default: synapse_host)")
    parser.add_argument(
        "-P", "--synapse-port", dest="synapse_port", type=int, help="The synapse port to check (default: synapse_port)"
    )
    parser.add_argument(
        "-F", "--synapse-haproxy-url-format", dest="synapse_haproxy_url_format",
        help="The synapse haproxy url format (default: synapse_haproxy_url_format)",
    )  # fmt: skip
    parser.add_argument(
        "-w", "--warn", dest="warn", type=_range, metavar="RANGE", required=True,
        help="Generate warning state if number of service instances is outside this range",
    )  # fmt: skip
    parser.add_argument(
        "-c", "--critcal", "--critical", dest="crit", type=_range, metavar="RANGE", required=True,
        help="Generate critical state if number of service instances is outside this range",
    )  # fmt: skip
    return parser


def run(args: argparse.Namespace, system: Any, out: Any) -> int:
    """Print one verdict per service; the worst status as the exit code."""
    from paasta_tools.clients.haproxy import get_backends
    from paasta_tools.monitoring.synapse_replication import check_services, overall_status

    host = args.synapse_host or system.get_synapse_host()
    port = args.synapse_port if args.synapse_port is not None else system.get_synapse_port()
    url_format = args.synapse_haproxy_url_format or system.get_synapse_haproxy_url_format()
    backends = get_backends(args.services, host, port, url_format)
    results = check_services(backends, args.services, args.warn, args.crit)
    for result in results:
        out.write(result.message + "\n")
    return int(overall_status(results))


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from paasta_tools.errors import PaastaError
    from paasta_tools.monitoring.synapse_replication import CheckStatus
    from paasta_tools.system_config import load_system_paasta_config

    try:
        return run(args, load_system_paasta_config(), sys.stdout)
    except PaastaError as exc:
        print(f"UNKNOWN: {exc}")
        return int(CheckStatus.UNKNOWN)


if __name__ == "__main__":
    sys.exit(main())
