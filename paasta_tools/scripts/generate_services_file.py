"""generate_services_file: every SmartStack namespace as an ``/etc/services``-compatible file on stdout.

Usage: ``generate_services_file [-d SOA_DIR]``

One line ``name<TAB>port/tcp<TAB># description`` for each service's service.yaml ``port`` and for each
``service.namespace`` of smartstack.yaml with a ``proxy_port`` (services sorted, namespaces in file
order).  A service whose files cannot be read is reported on stderr and left out; the exit code is then 1.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from paasta_tools.scripts.common import EXIT_FAILURE, EXIT_OK, add_soa_dir_argument

if TYPE_CHECKING:
    from paasta_tools.smartstack_files import ServiceNamespaces


def read_all_service_namespaces(soa_dir: str) -> tuple[list[ServiceNamespaces], list[str]]:
    """ServiceNamespaces of every service of ``soa_dir`` (sorted), and one message per unreadable service."""
    from paasta_tools.config.soa_dir import SERVICE_YAML, SMARTSTACK_YAML, list_services, service_dir
    from paasta_tools.config.yaml_files import read_yaml_file
    from paasta_tools.errors import PaastaError
    from paasta_tools.smartstack_files import service_namespaces_from_dicts

    found, problems = [], []
    for service in list_services(soa_dir):
        directory = service_dir(soa_dir, service)
        try:
            service_yaml = read_yaml_file(directory / SERVICE_YAML)
            smartstack = read_yaml_file(directory / SMARTSTACK_YAML)
            found.append(service_namespaces_from_dicts(service, service_yaml, smartstack, str(directory)))
        except PaastaError as exc:
            problems.append(f"{service}: {exc}")
    return found, problems


def read_namespaces_or_report(program: str, soa_dir: str) -> tuple[list[ServiceNamespaces], list[str]] | None:
    """read_all_service_namespaces, or None after printing why the soa dir cannot be read at all."""
    from paasta_tools.errors import PaastaError

    try:
        return read_all_service_namespaces(soa_dir)
    except PaastaError as exc:
        print(f"{program}: {exc}", file=sys.stderr)
        return None


def report_problems(program: str, problems: Sequence[str]) -> int:
    """Print each problem to stderr; the exit code (1 when there was any)."""
    for problem in problems:
        print(f"{program}: skipped service {problem}", file=sys.stderr)
    return EXIT_FAILURE if problems else EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="generate_services_file",
        description="Enumerates all smartstack namespaces and outputs an /etc/services compatible file.",
    )
    add_soa_dir_argument(parser)
    args = parser.parse_args(argv)
    from paasta_tools.smartstack_files import render_services_file

    found = read_namespaces_or_report("generate_services_file", args.soa_dir)
    if found is None:
        return EXIT_FAILURE
    services, problems = found
    sys.stdout.write(render_services_file(services))
    return report_problems("generate_services_file", problems)


if __name__ == "__main__":
    sys.exit(main())
