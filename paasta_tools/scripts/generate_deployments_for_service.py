"""generate_deployments_for_service: turn the git tags of a service into its deployments.json.

Usage: ``generate_deployments_for_service -d SOA_DIR -s SERVICE [-v]``

Reads every instance (marathon, chronos, adhoc; all clusters) of the service to map each
``<cluster>.<instance>`` to its deploy group, lists the refs of the service's git repository
(service.yaml ``git_url``), computes v1 + v2 (see :func:`paasta_tools.deploy_tags.compute_deployments`)
and writes ``<soa_dir>/<service>/deployments.json`` atomically, only when it changed.
An instance whose config cannot be read is reported and left out; the exit code is then 1.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from paasta_tools.paths import DEFAULT_SOA_DIR

_VERBOSE = {"on": False}

EXIT_OK = 0
EXIT_FAILURE = 1


def debug(message: str) -> None:
    """Print ``message`` to stderr when -v was given (the logging module alone would cost 10 ms of start-up)."""
    if _VERBOSE["on"]:
        sys.stderr.write(message + "\n")


@dataclass(frozen=True)
class ServiceBranches:
    """What generation needs from soa-configs: the repo and the (branch, deploy group) pairs in read order."""

    git_url: str
    branches: tuple[tuple[str, str], ...]
    problems: tuple[str, ...] = ()


def read_service_branches(service: str, soa_dir: str) -> ServiceBranches:
    """The git_url and ``(<cluster>.<instance>, deploy_group)`` of every instance of ``service``.

    Instances come in the loader's order (clusters sorted; marathon, chronos, adhoc; yaml order).
    Raises UnknownServiceError / ConfigError when the service or one of its files cannot be read;
    an instance with an invalid deploy_group is listed in ``problems`` and skipped.
    """
    # Only the base InstanceConfig is needed for branch and deploy group; the full loader
    # (marathon/chronos config classes) would double this script's start-up time.
    from paasta_tools.config.instance_config import InstanceConfig
    from paasta_tools.config.merge import deep_merge
    from paasta_tools.config.soa_dir import INSTANCE_TYPES, read_service_files, require_service_dir
    from paasta_tools.errors import PaastaError

    require_service_dir(soa_dir, service)
    files = read_service_files(soa_dir, service)
    general = files.general_config()
    branches: list[tuple[str, str]] = []
    problems: list[str] = []
    for cluster in files.clusters():
        for instance_type in INSTANCE_TYPES:
            instances = files.instance_files.get((instance_type, cluster), {})
            for instance in files.instances(instance_type, cluster):
                merged = deep_merge(instances.get(instance) or {}, general)
                config = InstanceConfig(service=service, cluster=cluster, instance=instance, config_dict=merged)
                try:
                    branches.append((config.get_branch(), config.get_deploy_group()))
                except PaastaError as exc:
                    problems.append(f"{instance_type}-{cluster}.yaml: {exc}")
    return ServiceBranches(git_url=files.get_git_url(), branches=tuple(branches), problems=tuple(problems))


def generate_deployments_dict(
    service: str, soa_dir: str, list_refs: Callable[[str], dict[str, str]] | None = None
) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The deployments.json dict of ``service`` and the problems met on the way.

    ``list_refs`` maps a git URL to its refs (default: ``git ls-remote``).
    """
    from paasta_tools.deploy_tags import compute_deployments

    found = read_service_branches(service, soa_dir)
    if not found.branches:
        debug(f"Service {service} has no valid deploy groups. Skipping.")
        return compute_deployments(service, [], {}), found.problems
    if list_refs is None:
        from paasta_tools.clients.git import list_remote_refs as list_refs
    refs = list_refs(found.git_url)
    deployments = compute_deployments(service, found.branches, refs)
    for branch, deploy_group in found.branches:
        if f"{service}:paasta-{branch}" not in deployments["v1"]:
            debug(f"No deploy tag found for deploy group {deploy_group} of {branch}; leaving it out")
        else:
            debug(f"Mapping {branch} to docker image {deployments['v1'][f'{service}:paasta-{branch}']['docker_image']}")
    return deployments, found.problems


def generate_deployments_for_service(service: str, soa_dir: str) -> tuple[bool, tuple[str, ...]]:
    """Compute and write ``<soa_dir>/<service>/deployments.json``; returns (written, problems)."""
    from paasta_tools.deployments import deployments_path, write_deployments_json

    deployments, problems = generate_deployments_dict(service, soa_dir)
    path = deployments_path(service, soa_dir)
    written = write_deployments_json(path, deployments)
    debug(f"{'Wrote' if written else 'Unchanged:'} {path}")
    return written, problems


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="generate_deployments_for_service",
        description="Creates deployments.json for paasta services.",
    )
    parser.add_argument(
        "-d",
        "--soa-dir",
        dest="soa_dir",
        metavar="SOA_DIR",
        default=DEFAULT_SOA_DIR,
        help="define a different soa config directory",
    )
    parser.add_argument("-v", "--verbose", action="store_true", dest="verbose", default=False)
    parser.add_argument("-s", "--service", required=True, help="Service name to make the deployments.json for")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; exit 1 with a message when the service, its configs or its git repo cannot be read."""
    args = parse_args(argv)
    _VERBOSE["on"] = args.verbose
    from paasta_tools.errors import PaastaError

    try:
        _, problems = generate_deployments_for_service(args.service, os.path.abspath(args.soa_dir))
    except PaastaError as exc:
        sys.stderr.write(f"generate_deployments_for_service: {args.service}: {exc}\n")
        return EXIT_FAILURE
    for problem in problems:
        sys.stderr.write(f"generate_deployments_for_service: {args.service}: skipped instance: {problem}\n")
    return EXIT_FAILURE if problems else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
