"""``paasta docker_inspect``: print ``docker inspect`` of the container of a running task of an instance."""

from __future__ import annotations

import argparse
import json
import sys

from paasta_tools.cli.cmds.docker_exec import add_instance_filter_arguments, task_query

EXIT_OK = 0


def add_subparser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "docker_inspect",
        help="Docker inspect against a container running on a host",
        description=(
            "'paasta docker_inspect' picks a running task of your service instance (the first one, or the one "
            "given with -m) and prints 'docker inspect' of its container. It must run on the host of that task."
        ),
    )
    add_instance_filter_arguments(parser, "inspect")
    parser.set_defaults(command_func=paasta_docker_inspect)


def paasta_docker_inspect(args: argparse.Namespace) -> int:
    """Print the container's inspect document as ``docker inspect`` does (a JSON list, indented 4)."""
    from paasta_tools.operations.task_containers import find_task_container

    _, found = find_task_container(task_query(args), "docker_inspect")
    sys.stdout.write(json.dumps([found.container], indent=4) + "\n")
    return EXIT_OK
