"""``paasta list``: the services (or service.instance names) declared in the soa-configs directory."""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from paasta_tools.cli.arguments import add_soa_dir_argument

EXIT_OK = 0
EXIT_FAILURE = 1


def add_subparser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "list",
        help="Display a list of PaaSTA services",
        description=(
            "'paasta list' inspects all of the PaaSTA services declared in the soa-configs directory, "
            "and prints them in a simple list."
        ),
    )
    parser.add_argument(
        "-a", "--all", action="store_true", help="Display all services, even if they have no PaaSTA instances."
    )
    parser.add_argument(
        "-i",
        "--print-instances",
        action="store_true",
        help="Display all service.instance values, which only PaaSTA services have.",
    )
    add_soa_dir_argument(parser)
    parser.set_defaults(command_func=paasta_list)


def list_names(
    soa_dir: str, all_services: bool, print_instances: bool, err: TextIO | None = None
) -> tuple[list[str], bool]:
    """The lines ``paasta list`` prints and whether every service could be read.

    A service whose files cannot be read is reported on ``err`` and left out.
    """
    from paasta_tools.config.loader import list_all_instances_for_service
    from paasta_tools.config.soa_dir import list_services
    from paasta_tools.errors import PaastaError

    err = err if err is not None else sys.stderr
    services = list_services(soa_dir)
    if all_services and not print_instances:
        return services, True
    lines: list[str] = []
    ok = True
    for service in services:
        try:
            instances = list_all_instances_for_service(service, soa_dir)
        except PaastaError as exc:
            err.write(f"Skipping service {service}: {exc}\n")
            ok = False
            continue
        if print_instances:
            lines.extend(f"{service}.{instance}" for instance in instances)
        elif instances:
            lines.append(service)
    return lines, ok


def paasta_list(args: argparse.Namespace) -> int:
    """Print one service (or service.instance with -i) per line."""
    lines, ok = list_names(args.soa_dir, args.all, args.print_instances)
    for line in lines:
        print(line)
    return EXIT_OK if ok else EXIT_FAILURE
