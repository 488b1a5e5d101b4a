"""``paasta devcluster up|down|status``: the single-machine cluster, as ``paasta-devcluster``."""

from __future__ import annotations

import argparse


def add_subparser(subparsers: argparse._SubParsersAction) -> None:
    from paasta_tools.devcluster.command import add_arguments

    parser = subparsers.add_parser(
        "devcluster",
        help="Start, stop or inspect a local single-machine cluster (Marathon, Chronos, Mesos APIs)",
        description=(
            "'paasta devcluster up' starts a cluster on 127.0.0.1 serving the Marathon, Chronos and Mesos "
            "master APIs, with tasks run as Docker containers or local processes, and prints the "
            "PAASTA_SYSTEM_CONFIG_DIR to use it.  'down' stops it and its tasks; 'status' shows what runs."
        ),
    )
    add_arguments(parser)
    parser.set_defaults(command_func=paasta_devcluster)


def paasta_devcluster(args: argparse.Namespace) -> int:
    """Run the requested devcluster action."""
    from paasta_tools.devcluster.command import run

    return run(args)
