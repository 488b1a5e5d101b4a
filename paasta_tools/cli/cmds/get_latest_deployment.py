"""``paasta get-latest-deployment``: print the git sha deployed to a deploy group (from deployments.json v2)."""

from __future__ import annotations

import argparse
import sys

from paasta_tools.cli.arguments import add_soa_dir_argument

EXIT_OK = 0
EXIT_FAILURE = 1


def add_subparser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "get-latest-deployment",
        help="Gets the Git SHA for the latest deployment of a service",
        description="'paasta get-latest-deployment' prints the git sha that deployments.json says a deploy group runs.",
    )
    from paasta_tools.cli.cmds.start_stop_restart import complete_deploy_groups, complete_services

    parser.add_argument(
        "-s", "--service", required=True, help="Name of the service which you want to get the latest deployment for."
    ).completer = complete_services
    parser.add_argument(
        "-i",
        "-l",
        "--deploy-group",
        required=True,
        help="Name of the deploy group which you want to get the latest deployment for.",
    ).completer = complete_deploy_groups
    add_soa_dir_argument(parser)
    parser.set_defaults(command_func=paasta_get_latest_deployment)


def get_currently_deployed_sha(service: str, deploy_group: str, soa_dir: str) -> str | None:
    """The v2 git_sha of ``deploy_group``, or None when deployments.json or the group is missing."""
    from paasta_tools.deployments import load_deployments_json
    from paasta_tools.errors import NoDeploymentsAvailable

    try:
        return load_deployments_json(service, soa_dir).get_deployed_sha(deploy_group)
    except NoDeploymentsAvailable:
        return None


def paasta_get_latest_deployment(args: argparse.Namespace) -> int:
    """Print the sha, or a red error on stderr and exit 1."""
    from paasta_tools.config.soa_dir import require_service_dir

    require_service_dir(args.soa_dir, args.service)
    git_sha = get_currently_deployed_sha(args.service, args.deploy_group, args.soa_dir)
    if not git_sha:
        message = f"A deployment could not be found for {args.deploy_group} in {args.service}"
        if sys.stderr.isatty():
            message = f"\033[31m{message}\033[0m"
        sys.stderr.write(message + "\n")
        return EXIT_FAILURE
    print(git_sha)
    return EXIT_OK
