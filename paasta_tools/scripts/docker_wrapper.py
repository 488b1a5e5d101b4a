"""paasta_docker_wrapper: a drop-in ``docker`` for Mesos agents that names task containers.

Usage: ``paasta_docker_wrapper DOCKER_ARGS...`` (the agent's ``--docker`` points at it)

For ``docker run`` of a task whose ``-e``/``--env`` arguments carry ``MESOS_TASK_ID`` (Marathon) or
``mesos_task_id`` (Chronos), ``--hostname=<short host>-<last dot-part of the task id>`` goes right
after ``run``: only letters, digits and dashes (anything else becomes a dash), at most 63 characters.
Nothing is added when the arguments already set a hostname (``-h``, ``--hostname``, a short-flag
cluster with ``h``) or use the host's network (``--net[work]=host`` or ``--net[work] host``).  The
real ``docker`` on PATH then runs with every other argument unchanged.  Upstream's NUMA pinning
(``PIN_TO_NUMA_NODE``) is not done: the arguments are passed as they are.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence

from paasta_tools.monitoring.orphaned_containers import task_id_from_env

EXIT_FAILURE = 1
MAX_HOSTNAME_LENGTH = 63
# -e, --env and short-flag clusters holding e (-te), each with the value attached by = or as the next word
ENV_FLAG_RE = re.compile(r"^(-\w*e\w*|--env)(=(?P<value>\S.*))?$")


def env_from_args(args: Sequence[str]) -> dict[str, str]:
    """The ``KEY=VALUE`` pairs given with ``-e``/``--env`` (values without ``=`` are ignored)."""
    env: dict[str, str] = {}
    expecting_value = False
    for arg in args:
        if not expecting_value:
            match = ENV_FLAG_RE.match(arg)
            if not match:
                continue
            if not match.group("value"):
                expecting_value = True
                continue
            arg = match.group("value")
        expecting_value = False
        key, sep, value = arg.partition("=")
        if sep:
            env[key] = value
    return env


def uses_host_network(args: Sequence[str]) -> bool:
    """Whether the arguments ask for the host's network stack."""
    for index, arg in enumerate(args):
        if arg in ("--net=host", "--network=host"):
            return True
        if arg in ("--net", "--network") and args[index + 1 : index + 2] == ["host"]:
            return True
    return False


def sets_hostname(args: Sequence[str]) -> bool:
    """Whether the arguments already choose the container's hostname."""
    for arg in args:
        if arg == "-h" or arg.startswith("--hostname"):
            return True
        if len(arg) > 1 and arg[0] == "-" and arg[1] != "-" and "h" in arg.partition("=")[0]:
            return True
    return False


def task_hostname(fqdn: str, task_id: str) -> str:
    """``<short host>-<last part of the task id>`` reduced to what a hostname may hold."""
    name = f"{fqdn.partition('.')[0]}-{task_id.rpartition('.')[2]}"
    return re.sub(r"[^a-zA-Z0-9-]+", "-", name)[:MAX_HOSTNAME_LENGTH]


def insert_after_run(args: Sequence[str], argument: str) -> list[str]:
    """``args`` with ``argument`` right after the first ``run``; unchanged when there is none."""
    result = list(args)
    if "run" in result:
        result.insert(result.index("run") + 1, argument)
    return result


def rewrite_docker_args(args: Sequence[str], fqdn: str) -> list[str]:
    """The docker arguments (without the program name) to run, given this host's ``fqdn``."""
    args = list(args)
    task_id = task_id_from_env(env_from_args(args))
    if task_id is None or uses_host_network(args) or sets_hostname(args):
        return args
    return insert_after_run(args, f"--hostname={task_hostname(fqdn, task_id)}")


def build_parser() -> argparse.ArgumentParser:
    """The wrapper's command line, for help pages: every argument is docker's."""
    parser = argparse.ArgumentParser(
        prog="paasta_docker_wrapper",
        description="Runs docker with the given arguments, adding --hostname=<host>-<task> to 'docker run' of a "
        "Mesos task (MESOS_TASK_ID or mesos_task_id in its -e/--env) unless a hostname or the host network is set.",
    )
    parser.add_argument("docker_args", nargs=argparse.REMAINDER, help="the arguments for docker")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Replace this process with docker; returns only when docker cannot be started."""
    import os
    import socket

    args = list(sys.argv[1:] if argv is None else argv)
    docker_argv = ["docker", *rewrite_docker_args(args, socket.getfqdn())]
    try:
        os.execvp("docker", docker_argv)
    except OSError as exc:
        print(f"paasta_docker_wrapper: cannot run docker: {exc}", file=sys.stderr)
    return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
