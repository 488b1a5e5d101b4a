"""get_mesos_leader: print the host of the cluster's leading Mesos master.

Usage: ``get_mesos_leader``

The leader is read from ``/master/state`` of the configured cluster's Mesos API (system config
``mesos_url``); exit 1 with a message on stderr when the master cannot be asked or knows no leader.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from paasta_tools.scripts.am_i_mesos_leader import EXIT_FAILURE, EXIT_OK, fetch_leader


def main(argv: Sequence[str] | None = None) -> int:
    argparse.ArgumentParser(
        prog="get_mesos_leader", description="Prints the hostname of the current mesos-master leader."
    ).parse_args(argv)
    from paasta_tools.errors import PaastaError

    try:
        print(fetch_leader())
    except PaastaError as exc:
        print(f"get_mesos_leader: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
