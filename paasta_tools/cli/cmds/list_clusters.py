"""``paasta list-clusters``: every cluster any service has soa-configs for."""

from __future__ import annotations

import argparse

from paasta_tools.cli.arguments import add_soa_dir_argument

EXIT_OK = 0


def add_subparser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "list-clusters",
        help="Display a list of all PaaSTA clusters",
        description=(
            "'paasta list-clusters' prints every cluster named by a marathon-, chronos- or adhoc- "
            "file in the soa-configs directory, one per line."
        ),
    )
    add_soa_dir_argument(parser)
    parser.set_defaults(command_func=paasta_list_clusters)


def paasta_list_clusters(args: argparse.Namespace) -> int:
    """Print the sorted cluster names, one per line."""
    from paasta_tools.config.soa_dir import list_clusters

    for cluster in list_clusters(args.soa_dir):
        print(cluster)
    return EXIT_OK
