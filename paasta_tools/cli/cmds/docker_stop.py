"""``paasta docker_stop``: stop the container of a running task of an instance; Marathon replaces the task."""

from __future__ import annotations

import argparse
import sys

from paasta_tools.cli.cmds.docker_exec import add_instance_filter_arguments, task_query

EXIT_OK = 0


def add_subparser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "docker_stop",
        help="Docker stop against a container running your service",
        description=(
            "'paasta docker_stop' picks a running task of your service instance (the first one, or the one "
            "given with -m) and runs 'docker stop' on its container; Marathon then starts a replacement task. "
            "It must run on the host of that task."
        ),
    )
    add_instance_filter_arguments(parser, "stop")
    parser.set_defaults(command_func=paasta_docker_stop)


def paasta_docker_stop(args: argparse.Namespace) -> int:
    """Stop the container (TERM, KILL after 10 s) and print its name, as ``docker stop`` does."""
    from paasta_tools.clients import docker_containers
    from paasta_tools.operations.task_containers import find_task_container

    client, found = find_task_container(task_query(args), "docker_stop")
    docker_containers.stop_container(client, found.container_id)
    sys.stdout.write(f"{found.container_name}\n")
    return EXIT_OK
