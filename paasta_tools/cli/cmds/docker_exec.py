"""``paasta docker_exec``: run a command in the container of a running task of a service instance.

With a terminal on stdin the command gets a TTY (``docker exec -ti``); otherwise its output is
printed and its exit code is the command's.  The flags shared with ``docker_inspect`` and
``docker_stop`` are added by :func:`add_instance_filter_arguments`.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from typing import Any

from paasta_tools.cli.arguments import add_soa_dir_argument

EXIT_FAILURE = 1
DEFAULT_COMMAND = "/bin/sh"


def add_instance_filter_arguments(parser: argparse.ArgumentParser, verb: str) -> None:
    """``-s -c -i`` (required), ``-H/--host``, ``-m/--mesos-id`` and ``-d/--soa-dir``."""
    parser.add_argument("-s", "--service", required=True, help=f"The name of the service you wish to {verb}")
    parser.add_argument(
        "-c", "--cluster", required=True, help="Cluster on which the service is running. For example: norcal-prod"
    )
    parser.add_argument("-i", "--instance", required=True, help=f"The instance that you wish to {verb}")
    parser.add_argument(
        "-H", "--host", dest="host", default=None,
        help="Specify a specific host on which to run. Defaults to the host of the first running task",
    )  # fmt: skip
    parser.add_argument(
        "-m", "--mesos-id", dest="mesos_id", default=None,
        help="A specific mesos task ID, must match a task running on the specified host. "
        "If not specified the first running task is used",
    )  # fmt: skip
    add_soa_dir_argument(parser)


def task_query(args: argparse.Namespace) -> Any:
    """The TaskQuery of the shared flags."""
    from paasta_tools.operations.task_containers import TaskQuery

    return TaskQuery(args.service, args.instance, args.cluster, args.soa_dir, args.host, args.mesos_id)


def add_subparser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "docker_exec",
        help="Docker exec against a container for a service instance",
        description=(
            "'paasta docker_exec' picks a running task of your service instance (the first one, or the one "
            "given with -m) and runs 'docker exec' of the command in its container. It must run on the host "
            "of that task."
        ),
    )
    add_instance_filter_arguments(parser, "exec into")
    parser.add_argument(
        "exec_command",
        nargs=argparse.REMAINDER,
        metavar="COMMAND",
        help=f"Command (and its arguments) to run in the container (default {DEFAULT_COMMAND}); "
        "a single quoted string is split like a shell would",
    )
    parser.set_defaults(command_func=paasta_docker_exec)


def command_argv(words: list[str]) -> list[str]:
    """The command to exec from the positional words: one string is split as a shell would, none is the default."""
    words = words[1:] if words[:1] == ["--"] else list(words)
    if not words:
        return [DEFAULT_COMMAND]
    if len(words) == 1:
        return shlex.split(words[0]) or [DEFAULT_COMMAND]
    return words


def _write(stream: Any, data: bytes) -> None:
    stream.flush()
    buffer = getattr(stream, "buffer", None)
    if buffer is None:
        stream.write(data.decode("utf-8", "replace"))
    else:
        buffer.write(data)
    stream.flush()


def paasta_docker_exec(args: argparse.Namespace) -> int:
    """Exec the command in the task's container; the command's exit code."""
    from paasta_tools.clients import docker_containers
    from paasta_tools.operations.task_containers import find_task_container

    try:
        argv = command_argv(args.exec_command)
    except ValueError as exc:
        sys.stderr.write(f"Cannot parse the command {args.exec_command[0]!r}: {exc}\n")
        return EXIT_FAILURE
    client, found = find_task_container(task_query(args), "docker_exec")
    if sys.stdin.isatty() and sys.stdout.isatty():
        return docker_containers.exec_interactive(
            client, found.container_id, argv, sys.stdin.fileno(), sys.stdout.fileno()
        )
    result = docker_containers.exec_capture(client, found.container_id, argv)
    _write(sys.stdout, result.stdout)
    _write(sys.stderr, result.stderr)
    return result.exit_code
