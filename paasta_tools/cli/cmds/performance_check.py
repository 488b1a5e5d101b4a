"""``paasta performance-check``: the ``performance-check`` step of a deploy pipeline.

POSTs the parameters of the service's ``performance-check.yaml`` (every key but ``endpoint``) as
the query string of its ``endpoint`` URL, and prints what happened.  The step never fails the
pipeline: errors are reported and the exit code is 0.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from paasta_tools.cli.arguments import SHORT_SOA_DIR_HELP, add_soa_dir_argument, strip_services_prefix

EXIT_OK = 0
PERFORMANCE_CHECK_YAML = "performance-check.yaml"
TIMEOUT_S = 10


def add_subparser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "performance-check",
        help="Performs a performance check",
        description="Submits the service's performance-check.yaml to its endpoint. Always exits 0.",
    )
    parser.add_argument(
        "-s", "--service",
        help='Name of service for which you wish to check. Leading "services-", as included in a Jenkins job '
        "name, will be stripped. Defaults to the name of the current directory.",
    )  # fmt: skip
    # Jenkins pipelines pass the commit; the submission does not use it.
    parser.add_argument("-k", "--commit", help=argparse.SUPPRESS)
    add_soa_dir_argument(parser, help=SHORT_SOA_DIR_HELP)
    parser.set_defaults(command_func=paasta_performance_check)


def performance_check_request(config: dict[str, Any], path: str) -> tuple[str, dict[str, Any]]:
    """``(endpoint, params)`` of a performance-check.yaml read from ``path``; ConfigError naming the problem."""
    from paasta_tools.errors import ConfigError

    params = dict(config)
    endpoint = params.pop("endpoint", None)
    if not isinstance(endpoint, str) or not endpoint:
        raise ConfigError(f"{path}: key 'endpoint' must be the URL to submit the check to, got {endpoint!r}")
    split = urlsplit(endpoint)
    if split.scheme not in ("http", "https") or not split.netloc:
        raise ConfigError(f"{path}: key 'endpoint' must be an http:// or https:// URL, got {endpoint!r}")
    return endpoint, params


def submit_performance_check(service: str, soa_dir: str, timeout: float = TIMEOUT_S) -> None:
    """Read the service's performance-check.yaml and POST it; PaastaError when that fails."""
    from paasta_tools.clients.service_checks import post_params
    from paasta_tools.config.soa_dir import require_service_dir
    from paasta_tools.config.yaml_files import read_yaml_file
    from paasta_tools.errors import PaastaError

    path = str(Path(require_service_dir(soa_dir, service)) / PERFORMANCE_CHECK_YAML)
    config = read_yaml_file(path)
    if not config:
        print(f"No {PERFORMANCE_CHECK_YAML}. Skipping performance-check.")
        return
    endpoint, params = performance_check_request(config, path)
    answer = post_params(endpoint, params, timeout)
    if answer.status >= 400:
        raise PaastaError(f"POST {endpoint} answered HTTP {answer.status}: {answer.text.strip()}")
    print("Posted a submission to the PaaSTA performance-check service.")
    print(f"Endpoint: {endpoint}")
    print(f"Parameters: {params}")
    print(f"Result: HTTP {answer.status}" + (f": {answer.text.strip()}" if answer.text.strip() else ""))


def paasta_performance_check(args: argparse.Namespace) -> int:
    """Submit the check; errors are printed, the exit code is always 0."""
    from paasta_tools.errors import PaastaError

    service = strip_services_prefix(args.service) if args.service else Path.cwd().name
    try:
        submit_performance_check(service, args.soa_dir)
    except PaastaError as exc:
        print("Something went wrong with the performance check. Safely bailing. No need to panic.")
        print("Here was the error:")
        print(str(exc))
    return EXIT_OK
