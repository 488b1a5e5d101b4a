"""``paasta info``: a human-friendly summary of one service, from its soa-configs only (no API calls)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable

from paasta_tools.cli.arguments import add_soa_dir_argument
from paasta_tools.paths import DEFAULT_SOA_DIR

EXIT_OK = 0

NO_DESCRIPTION_MESSAGE = (
    "No 'description' entry in service.yaml. Please a one line sentance that describes this service"
)
NO_EXTERNAL_LINK_MESSAGE = (
    "No 'external_link' entry in service.yaml. Please add one that points to a reference doc for your service"
)
SMARTSTACK_ADDRESS = "169.254.255.254"


def add_subparser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "info",
        help="Prints the general information about a service.",
        description=(
            "'paasta info' gathers information about a service from soa-configs and prints it in a "
            "human-friendly way. It does no API calls, it just analyzes the config files."
        ),
    )
    parser.add_argument(
        "-s", "--service", help="The name of the service you wish to inspect (default: the current directory's name)"
    )
    add_soa_dir_argument(parser, help=f"define a different soa config directory (default {DEFAULT_SOA_DIR})")
    parser.set_defaults(command_func=paasta_info)


def _painter(colour: bool) -> Callable[[str], str]:
    return (lambda text: f"\033[36m{text}\033[0m") if colour else (lambda text: text)


def deployed_clusters(service: str, soa_dir: str) -> list[str]:
    """Sorted clusters having an instance in the service's deployments.json (v1); [] without the file."""
    from paasta_tools.deployments import load_deployments_json
    from paasta_tools.errors import NoDeploymentsAvailable

    try:
        deployments = load_deployments_json(service, soa_dir)
    except NoDeploymentsAvailable:
        return []
    prefix = f"{service}:paasta-"
    return sorted({key[len(prefix) :].partition(".")[0] for key in deployments.v1 if key.startswith(prefix)})


def _deployment_lines(service: str, soa_dir: str, files, cyan: Callable[[str], str]) -> list[str]:
    from paasta_tools.config.smartstack import load_service_namespace_config

    clusters = deployed_clusters(service, soa_dir)
    if not clusters:
        return [" - N/A: Not deployed to any PaaSTA Clusters"]
    main = load_service_namespace_config(files, service, "main")
    lines = []
    for cluster in clusters:
        mode = main.get_mode()
        if mode == "tcp" and main.proxy_port is not None:
            link = cyan(f"tcp://paasta-{cluster}.yelp:{main.proxy_port}/")
        elif mode == "http":
            link = cyan(f"http://{service}.paasta-{cluster}.yelp/")
        else:
            link = "N/A"
        lines.append(f" - {cluster} ({link})")
    return lines


def _smartstack_endpoints(files) -> list[str]:
    endpoints = []
    for name, raw in files.smartstack.items():
        raw = raw if isinstance(raw, dict) else {}
        endpoints.append(f"{raw.get('mode', 'http')}://{SMARTSTACK_ADDRESS}:{raw.get('proxy_port')} ({name})")
    return endpoints


def get_service_info(service: str, soa_dir: str, colour: bool = False) -> str:
    """The text ``paasta info`` prints for ``service``."""
    from paasta_tools.config.monitoring import get_runbook, get_team
    from paasta_tools.config.soa_dir import read_service_files, require_service_dir

    require_service_dir(soa_dir, service)
    files = read_service_files(soa_dir, service)
    cyan = _painter(colour)
    general = files.general_config()
    endpoints = _smartstack_endpoints(files)
    lines = [
        f"Service Name: {service}",
        f"Description: {general.get('description', NO_DESCRIPTION_MESSAGE)}",
        f"External Link: {cyan(str(general.get('external_link', NO_EXTERNAL_LINK_MESSAGE)))}",
        f"Monitored By: team {get_team(files)}",
        f"Runbook: {cyan(str(get_runbook(files)))}",
        f"Git Repo: {files.get_git_url()}",
        "Deployed to the following clusters:",
    ]
    lines.extend(_deployment_lines(service, soa_dir, files, cyan))
    if endpoints:
        lines.append("Smartstack endpoint(s):")
        lines.extend(f" - {endpoint}" for endpoint in endpoints)
    lines.append("Dashboard(s):")
    lines.append(f" - {cyan(f'https://uchiwa.yelpcorp.com/#/events?q={service}')} (Sensu Alerts)")
    return "\n".join(lines)


def paasta_info(args: argparse.Namespace) -> int:
    """Print the summary of ``--service`` (default: the name of the current directory)."""
    service = args.service or os.path.basename(os.getcwd())
    print(get_service_info(service, args.soa_dir, colour=sys.stdout.isatty()))
    return EXIT_OK
