"""am_i_mesos_leader: exit 0 when this host runs the leading Mesos master of the cluster, else 1.

Usage: ``am_i_mesos_leader``

Reads ``/master/state`` of the configured cluster's Mesos API (system config ``mesos_url``) and
compares its leader (``leader_info.hostname``, else the host of the ``leader`` pid) with this host's
names: its hostname, FQDN, their addresses, ``localhost`` and ``127.0.0.1``.  Prints ``True`` or
``False`` as upstream did; a master that cannot be asked is an error (exit 1, message on stderr).
get_mesos_leader shares the leader lookup.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

EXIT_OK = 0
EXIT_FAILURE = 1
LOOPBACK_NAMES = ("localhost", "127.0.0.1")


def leader_host(state: Mapping[str, Any]) -> str:
    """The leading master's host from a ``/master/state`` document; MesosError when it names none."""
    from paasta_tools.errors import MesosError

    info = state.get("leader_info")
    if isinstance(info, Mapping) and info.get("hostname"):
        return str(info["hostname"])
    pid = state.get("leader")
    if isinstance(pid, str) and "@" in pid:
        host = pid.partition("@")[2].rpartition(":")[0]
        if host:
            return host
    raise MesosError(f"the Mesos master {state.get('hostname') or ''} knows no leader (no election result yet?)")


def is_local(host: str, local_names: Iterable[str]) -> bool:
    """Whether ``host`` is one of ``local_names`` (case-insensitive, trailing dot ignored)."""
    wanted = host.lower().rstrip(".")
    return any(wanted == name.lower().rstrip(".") for name in local_names)


def local_host_names() -> set[str]:
    """This host's names and addresses as the resolver knows them, plus the loopback names."""
    import socket

    names = set(LOOPBACK_NAMES)
    hostname = socket.gethostname()
    names.add(hostname)
    try:
        names.add(socket.getfqdn(hostname))
        canonical, aliases, addresses = socket.gethostbyname_ex(hostname)
        names.update([canonical, *aliases, *addresses])
    except OSError:  # an unresolvable hostname still has its own name
        pass
    return names


def fetch_leader(system_config_dir: str | None = None) -> str:
    """The leader's host as reported by the configured cluster's Mesos master."""
    from paasta_tools.clients.mesos import mesos_client_for_cluster
    from paasta_tools.system_config import load_system_paasta_config

    system = load_system_paasta_config(system_config_dir)
    client = mesos_client_for_cluster(system, system.get_cluster())
    return leader_host(client.state())


def main(argv: Sequence[str] | None = None) -> int:
    argparse.ArgumentParser(
        prog="am_i_mesos_leader",
        description="Check if this host is the current mesos-master leader. Exits 0 if it is, 1 if it isn't.",
    ).parse_args(argv)
    from paasta_tools.errors import PaastaError

    try:
        leader = fetch_leader()
    except PaastaError as exc:
        print(f"am_i_mesos_leader: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    leading = is_local(leader, local_host_names())
    print(leading)
    return EXIT_OK if leading else EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
