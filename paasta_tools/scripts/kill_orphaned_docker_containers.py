"""kill_orphaned_docker_containers: find (and with -f kill) Mesos task containers the local agent forgot.

Usage: ``kill_orphaned_docker_containers [-f | -n] [--agent-url URL] [--only-this-agent]``

Lists the running ``mesos-<agent id>.<container id>`` containers of this host's Docker engine and
the live tasks of the local Mesos agent (``/slave(1)/state``, by default ``http://<fqdn>:5051`` as
upstream); a container whose ``MESOS_TASK_ID`` and container id belong to no live task is orphaned.
Prints ``OK: All mesos task IDs accounted for`` (exit 0) or ``CRIT: Docker containers are orphaned:
<name> (<task id>), ...`` (exit 1), adding `` and will be killed`` when ``-f`` kills them.  Without
``-f`` (or with ``-n``) nothing is killed.  An agent or engine that does not answer: exit 1.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from paasta_tools.scripts.common import EXIT_FAILURE, EXIT_OK

MESOS_AGENT_PORT = 5051


def build_parser() -> argparse.ArgumentParser:
    """Upstream's ``-f/--force``, plus ``-n``, the agent's URL and the scope for shared engines."""
    parser = argparse.ArgumentParser(
        prog="kill_orphaned_docker_containers",
        description="Cross references running containers with task ids from the mesos slave and optionally kills them.",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("-f", "--force", action="store_true", help="Actually kill the containers. (defaults to dry-run)")
    mode.add_argument("-n", "--dry-run", action="store_true", help="Only report the orphans (the default)")
    parser.add_argument(
        "--agent-url", help=f"The local Mesos agent's URL (default: http://<this host's fqdn>:{MESOS_AGENT_PORT})"
    )
    parser.add_argument(
        "--only-this-agent", action="store_true",
        help="Only look at containers named after the local agent's id (several agents share the Docker engine)",
    )  # fmt: skip
    return parser


def default_agent_url() -> str:
    import socket

    return f"http://{socket.getfqdn()}:{MESOS_AGENT_PORT}"


def run(force: bool, only_this_agent: bool, agent_client: Any, docker_client: Any, out: Any, err: Any = None) -> int:
    """Report the orphans (killing them when ``force``; one that cannot be killed is told on ``err`` and the
    others are still killed); the exit code."""
    from paasta_tools.clients.mesos_containers import kill_container, list_mesos_containers
    from paasta_tools.errors import DockerEngineError
    from paasta_tools.monitoring.orphaned_containers import agent_tasks, find_orphans, report

    agent = agent_tasks(agent_client.agent_state())
    orphans = find_orphans(list_mesos_containers(docker_client), agent, only_this_agent)
    out.write(report(orphans, force) + "\n")
    for orphan in orphans if force else ():
        try:
            kill_container(docker_client, orphan.name)
        except DockerEngineError as exc:
            (err or sys.stderr).write(f"kill_orphaned_docker_containers: {exc}\n")
    return EXIT_FAILURE if orphans else EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from paasta_tools.clients.docker_exec import connect
    from paasta_tools.clients.mesos import MesosAgentClient
    from paasta_tools.errors import PaastaError

    try:
        agent_client = MesosAgentClient(args.agent_url or default_agent_url())
        return run(args.force, args.only_this_agent, agent_client, connect(), sys.stdout)
    except PaastaError as exc:
        print(f"kill_orphaned_docker_containers: {exc}", file=sys.stderr)
        return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
