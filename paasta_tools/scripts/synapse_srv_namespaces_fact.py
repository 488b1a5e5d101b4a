"""synapse_srv_namespaces_fact: the ``synapse_srv_namespaces`` facter fact on stdout.

Usage: ``synapse_srv_namespaces_fact [-d SOA_DIR]``

Prints ``synapse_srv_namespaces=<service.namespace>:<proxy_port>,...`` for every namespace with a
proxy_port, sorted (e.g. ``mumble.canary:5019,mumble.main:111,zookeeper.hab:4921``).  A service
whose files cannot be read is reported on stderr and left out; the exit code is then 1.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from paasta_tools.scripts.common import EXIT_FAILURE, add_soa_dir_argument
from paasta_tools.scripts.generate_services_file import read_namespaces_or_report, report_problems


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="synapse_srv_namespaces_fact",
        description="Prints every smartstack namespace as full_name:proxy_port, sorted, as a facter fact.",
    )
    add_soa_dir_argument(parser)
    args = parser.parse_args(argv)
    from paasta_tools.smartstack_files import synapse_namespaces_fact

    found = read_namespaces_or_report("synapse_srv_namespaces_fact", args.soa_dir)
    if found is None:
        return EXIT_FAILURE
    services, problems = found
    print(synapse_namespaces_fact(services))
    return report_problems("synapse_srv_namespaces_fact", problems)


if __name__ == "__main__":
    sys.exit(main())
