"""generate_deployments_for_service: turn the git tags of a service into its deployments.json.

Usage: ``generate_deployments_for_service -d SOA_DIR -s SERVICE [-v]``

Reads every instance (marathon, chronos, adhoc; all clusters) of the service to map each
``<cluster>.<instance>`` to its deploy group, lists the refs of the service's git repository
(service.yaml ``git_url``), computes v1 + v2 (see :func:`paasta_tools.deploy_tags.compute_deployments`)
and writes ``<soa_dir>/<service>/deployments.json`` atomically, only when it changed.
An instance whose config cannot be read is reported and left out; the exit code is then 1.

This runs from cron for every service, so start-up time matters: well-formed soa-configs are
read by a lean path (PyYAML only, see :func:`fast_service_branches`) while ``git ls-remote`` runs
in the background; anything unusual goes through the full loader, which gives the same result
or the proper error message.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import namedtuple
from collections.abc import Callable, Sequence

from paasta_tools.scripts.common import add_soa_dir_argument, add_verbose_argument

TYPE_CHECKING = False  # typing.TYPE_CHECKING would import typing (~10 ms)
if TYPE_CHECKING:
    from typing import Any

EXIT_OK = 0
EXIT_FAILURE = 1
INSTANCE_TYPES = ("marathon", "chronos", "adhoc")
# Upstream's instance file discovery regex and default git URL (as in paasta_tools.config.soa_dir).
_CLUSTER_FILE_PATTERN = r".*/(marathon|chronos|paasta_native|adhoc)-([0-9a-z-_]*)\.yaml$"
_DEFAULT_GIT_URL_FORMAT = "git@git.yelpcorp.com:services/{service}.git"
_OTHER_FILES = ("smartstack.yaml", "monitoring.yaml", "deploy.yaml")
_VERBOSE = {"on": False}


def debug(message: str) -> None:
    """Print ``message`` to stderr when -v was given (the logging module alone would cost 10 ms of start-up)."""
    if _VERBOSE["on"]:
        sys.stderr.write(message + "\n")


class ServiceBranches(namedtuple("ServiceBranches", "git_url branches problems")):
    """What generation needs from soa-configs: ``git_url``, ``branches`` (``(branch, deploy_group)``
    pairs in read order) and ``problems`` (messages of instances left out)."""

    __slots__ = ()


class _Unusual(Exception):
    """The lean reader met something only the full loader handles (or reports) properly."""


def _load_yaml(path: str) -> Any:
    """Parsed YAML of ``path`` ({} when missing or empty); _Unusual on any problem."""
    import yaml

    try:
        with open(path, "rb") as f:
            data = yaml.load(f.read().decode("utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, yaml.YAMLError):
        raise _Unusual(path) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise _Unusual(path)
    return data


def _safe_service_dir(soa_dir: str, service: str) -> str:
    if not service or service.startswith(".") or any(c in service for c in "/\\\0"):
        raise _Unusual(service)
    directory = os.path.join(soa_dir, service)
    if not os.path.isdir(directory):
        raise _Unusual(directory)
    return directory


def fast_git_url(service: str, soa_dir: str) -> str | None:
    """service.yaml's ``git_url`` (or upstream's default), or None when the full loader must be used."""
    try:
        service_yaml = _load_yaml(os.path.join(_safe_service_dir(soa_dir, service), "service.yaml"))
    except _Unusual:
        return None
    return str(service_yaml.get("git_url") or _DEFAULT_GIT_URL_FORMAT.format(service=service))


def _instance_files(directory: str) -> dict[tuple[str, str], dict[str, Any]]:
    import re

    pattern = re.compile(_CLUSTER_FILE_PATTERN)
    files: dict[tuple[str, str], dict[str, Any]] = {}
    for name in sorted(os.listdir(directory)):
        match = pattern.match(f"{directory}/{name}")
        if match and match.group(1) in INSTANCE_TYPES:
            instances = _load_yaml(os.path.join(directory, name))
            for instance, value in instances.items():
                if not isinstance(instance, str) or not (value is None or isinstance(value, dict)):
                    raise _Unusual(name)
            files[(match.group(1), match.group(2))] = instances
    return files


def _merged_value(key: str, instance: dict[str, Any] | None, service_yaml: dict[str, Any]) -> Any:
    value = (instance or {}).get(key, service_yaml.get(key))
    if value is not None and not isinstance(value, str):
        raise _Unusual(key)
    return value


def fast_service_branches(service: str, soa_dir: str) -> ServiceBranches | None:
    """The lean equivalent of :func:`read_service_branches` for well-formed soa-configs, else None.

    Only ``branch`` and ``deploy_group`` matter here: instance values over service.yaml's, the
    branch defaulting to ``<cluster>.<instance>`` and the deploy group (``{cluster}``,
    ``{instance}``, ``{service}`` filled in) to the branch, as InstanceConfig does.
    """
    try:
        directory = _safe_service_dir(soa_dir, service)
        service_yaml = _load_yaml(os.path.join(directory, "service.yaml"))
        for name in _OTHER_FILES:
            _load_yaml(os.path.join(directory, name))
        files = _instance_files(directory)
        branches = []
        for cluster in sorted({cluster for _, cluster in files}):
            for instance_type in INSTANCE_TYPES:
                for instance, config in files.get((instance_type, cluster), {}).items():
                    branch = _merged_value("branch", config, service_yaml) or f"{cluster}.{instance}"
                    group = _merged_value("deploy_group", config, service_yaml)
                    if group is not None:
                        group = group.format(cluster=cluster, instance=instance, service=service)
                    branches.append((branch, branch if group is None else group))
    except (_Unusual, OSError, KeyError, IndexError, ValueError, AttributeError):
        return None
    git_url = str(service_yaml.get("git_url") or _DEFAULT_GIT_URL_FORMAT.format(service=service))
    return ServiceBranches(git_url, tuple(branches), ())


def read_service_branches(service: str, soa_dir: str) -> ServiceBranches:
    """The git_url and ``(<cluster>.<instance>, deploy_group)`` of every instance, through the full loader.

    Instances come in the loader's order (clusters sorted; marathon, chronos, adhoc; yaml order).
    Raises UnknownServiceError / ConfigError when the service or one of its files cannot be read;
    an instance with an invalid deploy_group is listed in ``problems`` and skipped.
    """
    from paasta_tools.config.loader import instance_configs_from_files
    from paasta_tools.config.soa_dir import read_service_files, require_service_dir
    from paasta_tools.errors import PaastaError

    require_service_dir(soa_dir, service)
    files = read_service_files(soa_dir, service)
    branches: list[tuple[str, str]] = []
    problems: list[str] = []
    for config in instance_configs_from_files(files):
        try:
            branches.append((config.get_branch(), config.get_deploy_group()))
        except PaastaError as exc:
            problems.append(str(exc))
    return ServiceBranches(files.get_git_url(), tuple(branches), tuple(problems))


def generate_deployments_dict(
    service: str, soa_dir: str, list_refs: Callable[[str], dict[str, str]] | None = None
) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The deployments.json dict of ``service`` and the problems met on the way.

    ``list_refs`` maps a git URL to its refs; by default ``git ls-remote`` runs in the background
    while the soa-configs are read.
    """
    pending = None
    git_url = fast_git_url(service, soa_dir)
    if list_refs is None and git_url is not None:
        from paasta_tools.clients.git import start_list_remote_refs

        pending = start_list_remote_refs(git_url)
    from paasta_tools.deploy_tags import compute_deployments

    try:
        found = fast_service_branches(service, soa_dir) or read_service_branches(service, soa_dir)
        if not found.branches:
            debug(f"Service {service} has no valid deploy groups. Skipping.")
            return compute_deployments(service, [], {}), found.problems
        refs = _collect_refs(found.git_url, pending, list_refs)
    finally:
        if pending is not None:
            pending.cancel()
    deployments = compute_deployments(service, found.branches, refs)
    for branch, deploy_group in found.branches:
        entry = deployments["v1"].get(f"{service}:paasta-{branch}")
        if entry is None:
            debug(f"No deploy tag found for deploy group {deploy_group} of {branch}; leaving it out")
        else:
            debug(f"Mapping {branch} to docker image {entry['docker_image']}")
    return deployments, found.problems


def _collect_refs(git_url: str, pending: Any, list_refs: Callable[[str], dict[str, str]] | None) -> dict[str, str]:
    if pending is not None:
        return pending.result()
    if list_refs is None:
        from paasta_tools.clients.git import list_remote_refs as list_refs
    return list_refs(git_url)


def generate_deployments_for_service(service: str, soa_dir: str) -> tuple[bool, tuple[str, ...]]:
    """Compute and write ``<soa_dir>/<service>/deployments.json``; returns (written, problems)."""
    deployments, problems = generate_deployments_dict(service, soa_dir)
    from paasta_tools.deployments import deployments_path, write_deployments_json

    path = deployments_path(service, soa_dir)
    written = write_deployments_json(path, deployments)
    debug(f"{'Wrote' if written else 'Unchanged:'} {path}")
    return written, problems


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="generate_deployments_for_service",
        description="Creates deployments.json for paasta services.",
    )
    add_soa_dir_argument(parser)
    add_verbose_argument(parser)
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
