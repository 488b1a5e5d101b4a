"""``paasta autoscale``: read or set the instance count an autoscaled Marathon instance runs (v0.70).

It talks to the cluster's paasta-api (``api_endpoints[cluster]``), which keeps the count in ZooKeeper
where setup_marathon_job reads it; a count outside [min_instances, max_instances] is clamped by the API
and answered with a warning.
"""

from __future__ import annotations

import argparse

EXIT_OK = 0


def _positive_count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number of instances, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more instances, got {value}")
    return value


def add_subparser(subparsers: argparse._SubParsersAction) -> None:
    from paasta_tools.cli.cmds.start_stop_restart import complete_services

    parser = subparsers.add_parser(
        "autoscale",
        help="Show or set the instance count of an autoscaled service instance, bypassing the autoscaler",
        description=(
            "'paasta autoscale' prints the number of instances an autoscaled Marathon instance (one with "
            "max_instances) is set to run on a cluster, or sets it with --set. The count is kept by the "
            "cluster's paasta-api (api_endpoints in the system config); the next setup_marathon_job run "
            "scales the app to it. Counts outside min_instances..max_instances are clamped."
        ),
    )
    parser.add_argument(
        "-s", "--service", required=True, help="Service that you want to autoscale"
    ).completer = complete_services
    parser.add_argument("-i", "--instance", required=True, help="Instance of the service that you want to autoscale")
    parser.add_argument("-c", "--cluster", required=True, help="Cluster on which the service is running")
    parser.add_argument("--set", type=_positive_count, help="Set the number to scale to. Must be an Int.")
    parser.set_defaults(command_func=paasta_autoscale)


def paasta_autoscale(args: argparse.Namespace) -> int:
    """Print the instance's desired count (after setting it with ``--set``); errors name the cluster."""
    from paasta_tools.clients.paasta_api import get_paasta_api_client
    from paasta_tools.system_config import load_system_paasta_config

    client = get_paasta_api_client(args.cluster, load_system_paasta_config())
    if args.set is None:
        answer = client.get_autoscaler_count(args.service, args.instance)
    else:
        answer = client.update_autoscaler_count(args.service, args.instance, args.set)
    if answer.get("status") and answer["status"] != "SUCCESS":
        print(answer["status"])
    print(answer["desired_instances"])
    return EXIT_OK
