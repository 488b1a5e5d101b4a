"""``paasta start``, ``paasta stop`` and ``paasta restart`` through the git control plane.

Each pushes, for every selected instance, a control tag
``refs/tags/paasta-<cluster>.<instance>-<now>-<start|stop>`` at the sha its deploy group was last
marked for.  generate_deployments_for_service turns that into ``desired_state`` and a new
``force_bounce`` in deployments.json: Marathon apps get a new app id (a graceful bounce, or a
scale-down to 0 for stop) and Chronos jobs are enabled or disabled.  ``restart`` is ``start``.

The subcommands are registered by the one-line modules ``start``, ``stop`` and ``restart``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, TextIO

from paasta_tools.cli.arguments import add_soa_dir_argument, split_comma_list
from paasta_tools.paths import DEFAULT_SOA_DIR

if TYPE_CHECKING:
    from paasta_tools.clients.log_writer import LogWriter
    from paasta_tools.config.instance_config import InstanceConfig
    from paasta_tools.config.soa_dir import ServiceFiles

EXIT_OK = 0
EXIT_FAILURE = 1

_DESCRIPTIONS = {
    "start": ("start or restart", "Start or restart"),
    "restart": ("start or restart", "Start or restart"),
    "stop": ("stop", "Stop"),
}

MARATHON_MESSAGES = {
    "start": (
        "A 'start' command will signal to Marathon that the service should be in the normal running state, "
        "with its configured number of instances. If the service is already running, it will be bounced "
        "(restarted) gracefully, in the same way as a new deploy."
    ),
    "stop": (
        "A 'stop' command will signal to Marathon that the service should be scaled down to 0 instances "
        "gracefully. It stays stopped until the next deploy (mark-for-deployment) or 'paasta start'."
    ),
}
CHRONOS_MESSAGES = {
    "start": (
        "'Start' will tell Chronos to schedule the job again according to its schedule. If you need the job "
        "to run right now regardless of the schedule, use 'paasta emergency-start'."
    ),
    "stop": (
        "'Stop' for a Chronos job will cause the job to be disabled until the next deploy "
        "(mark-for-deployment) or a 'paasta start'."
    ),
}
GIT_SERVER_ERROR = (
    "Error talking to the git server: {error}\n"
    "This PaaSTA command requires access to the git server to operate.\n"
    "The git server may be down or not reachable from here.\n"
    "Try again from somewhere where the git server can be reached, like your developer environment."
)


def add_command_subparser(subparsers: argparse._SubParsersAction, command: str) -> None:
    """Add the ``start``, ``stop`` or ``restart`` subparser."""
    lower, upper = _DESCRIPTIONS[command]
    parser = subparsers.add_parser(
        command,
        help=f"{upper}s a PaaSTA service in a graceful way.",
        description=f"{upper}s a PaaSTA service in a graceful way. This uses the Git control plane.",
        epilog="This command uses Git, and assumes access and authorization to the Git repo for the service "
        "is available.",
    )
    parser.add_argument(
        "-s", "--service", help=f"Service that you want to {lower}. Like example_service."
    ).completer = complete_services
    parser.add_argument(
        "-i",
        "--instances",
        help=f"A comma-separated list of instances of the service that you want to {lower}. "
        "Like --instances main,canary. Defaults to all instances.",
    ).completer = complete_instances
    parser.add_argument(
        "-c",
        "--clusters",
        required=True,
        help="A comma-separated list of clusters to act on. Like --clusters norcal-prod,nova-prod.",
    ).completer = complete_clusters
    add_soa_dir_argument(parser)
    funcs = {"start": paasta_start, "restart": paasta_restart, "stop": paasta_stop}
    parser.set_defaults(command_func=funcs[command])


# --- shell completion (argcomplete calls these with the prefix typed so far) ---------------------


def _complete_list(prefix: str, options: Sequence[str]) -> list[str]:
    """Complete the last item of a comma-separated ``prefix`` from ``options``."""
    head, comma, last = prefix.rpartition(",")
    return [f"{head}{comma}{option}" for option in options if option.startswith(last)]


def _completion_files(parsed_args: argparse.Namespace) -> ServiceFiles | None:
    from paasta_tools.config.soa_dir import read_service_files
    from paasta_tools.errors import PaastaError

    soa_dir = getattr(parsed_args, "soa_dir", None) or DEFAULT_SOA_DIR
    service = getattr(parsed_args, "service", None) or os.path.basename(os.getcwd())
    try:
        return read_service_files(soa_dir, service)
    except PaastaError:
        return None


def complete_services(prefix: str, parsed_args: argparse.Namespace, **_: object) -> list[str]:
    """Services of the soa dir."""
    from paasta_tools.config.soa_dir import list_services
    from paasta_tools.errors import PaastaError

    try:
        services = list_services(getattr(parsed_args, "soa_dir", None) or DEFAULT_SOA_DIR)
    except PaastaError:
        return []
    return _complete_list(prefix, services)


def complete_clusters(prefix: str, parsed_args: argparse.Namespace, **_: object) -> list[str]:
    """Clusters the service has configs in."""
    files = _completion_files(parsed_args)
    return _complete_list(prefix, files.clusters() if files else [])


def complete_instances(prefix: str, parsed_args: argparse.Namespace, **_: object) -> list[str]:
    """Instances of the service, over its clusters."""
    files = _completion_files(parsed_args)
    if files is None:
        return []
    names = {name: None for (_, cluster) in files.instance_files for t in ("marathon", "chronos", "adhoc")
             for name in files.instances(t, cluster)}  # fmt: skip
    return _complete_list(prefix, list(names))


def complete_deploy_groups(prefix: str, parsed_args: argparse.Namespace, **_: object) -> list[str]:
    """Deploy groups named by instances, the deploy.yaml pipeline or deployments.json."""
    from paasta_tools.config.deploy_yaml import get_pipeline_deploy_groups
    from paasta_tools.config.loader import instance_configs_from_files
    from paasta_tools.deployments import load_deployments_json
    from paasta_tools.errors import PaastaError

    files = _completion_files(parsed_args)
    if files is None:
        return []
    groups: dict[str, None] = {}
    try:
        groups.update(dict.fromkeys(get_pipeline_deploy_groups(files.deploy)))
        groups.update(dict.fromkeys(c.get_deploy_group() for c in instance_configs_from_files(files)))
        groups.update(dict.fromkeys(load_deployments_json(files.service, files.soa_dir).deploy_groups()))
    except PaastaError:
        pass  # complete with what was found before the broken part
    return _complete_list(prefix, sorted(groups))


def paasta_start(args: argparse.Namespace) -> int:
    return paasta_start_or_stop(args, "start")


def paasta_restart(args: argparse.Namespace) -> int:
    return paasta_start_or_stop(args, "start")


def paasta_stop(args: argparse.Namespace) -> int:
    return paasta_start_or_stop(args, "stop")


def figure_out_service_name(service: str | None, soa_dir: str) -> str:
    """``-s`` if given, else the name of the current directory; it must be a service in ``soa_dir``."""
    from paasta_tools.config.soa_dir import require_service_dir

    name = service or os.path.basename(os.getcwd())
    require_service_dir(soa_dir, name)
    return name


def _split(value: str | None) -> list[str] | None:
    return split_comma_list(value) if value else None


def valid_clusters(files: ServiceFiles, instances: Sequence[str] | None) -> list[str]:
    """Clusters the service has configs in (those having one of ``instances``, when given)."""
    from paasta_tools.config.soa_dir import INSTANCE_TYPES

    if not instances:
        return files.clusters()
    return [
        cluster
        for cluster in files.clusters()
        if any(i in files.instances(t, cluster) for t in INSTANCE_TYPES for i in instances)
    ]


def select_instances(
    files: ServiceFiles, clusters: Sequence[str], instances: Sequence[str] | None
) -> tuple[list[InstanceConfig], list[str]]:
    """Instance configs of ``instances`` (all if None) in ``clusters``; and the requested names found nowhere."""
    from paasta_tools.config.loader import build_instance_config
    from paasta_tools.config.soa_dir import INSTANCE_TYPES

    configs = []
    for cluster in clusters:
        for instance_type in INSTANCE_TYPES:
            for instance in files.instances(instance_type, cluster):
                if instances is None or instance in instances:
                    configs.append(build_instance_config(files, instance_type, cluster, instance))
    found = {config.instance for config in configs}
    return configs, [i for i in instances or () if i not in found]


def _user_and_host() -> str:
    import getpass
    import socket

    try:
        user = os.environ.get("SUDO_USER") or getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    # gethostname, not getfqdn: no DNS lookup just to label a log line.
    return f"{user}@{socket.gethostname()}"


def _utcnow() -> datetime:
    from datetime import UTC

    return datetime.now(UTC)


def paasta_start_or_stop(args: argparse.Namespace, desired_state: str) -> int:
    """Validate clusters and instances, list the repo's refs, then push one control tag per instance."""
    from paasta_tools.clients.git import list_remote_refs
    from paasta_tools.clients.log_writer import load_log_writer
    from paasta_tools.config.soa_dir import read_service_files
    from paasta_tools.errors import GitError

    out = sys.stdout
    service = figure_out_service_name(args.service, args.soa_dir)
    files = read_service_files(args.soa_dir, service)
    instances = _split(args.instances)
    valid = valid_clusters(files, instances)
    clusters = _split(args.clusters) or []
    invalid = [c for c in clusters if c not in valid]
    if invalid:
        out.write(f"Invalid cluster name(s) specified: {','.join(invalid)}.\nValid options: {','.join(valid)}\n")
        return EXIT_FAILURE
    configs, unknown = select_instances(files, clusters, instances)
    if unknown:
        known = sorted({c.instance for c in select_instances(files, clusters, None)[0]})
        out.write(f"Instance(s) {','.join(unknown)} not configured in {','.join(clusters)}.\n")
        out.write(f"Valid options: {','.join(known)}\n")
        return EXIT_FAILURE
    if instances is None:
        out.write("no instances specified; restarting all instances for service\n")
    try:
        refs = list_remote_refs(files.get_git_url())
    except GitError as exc:
        out.write(GIT_SERVER_ERROR.format(error=exc) + "\n")
        return EXIT_FAILURE
    return issue_state_changes(
        service, files.get_git_url(), configs, refs, desired_state, load_log_writer(), out, _utcnow
    )


def issue_state_changes(
    service: str,
    git_url: str,
    configs: Sequence[InstanceConfig],
    refs: dict[str, str],
    desired_state: str,
    writer: LogWriter,
    out: TextIO,
    now: Callable[[], datetime],
) -> int:
    """Push the control tags of ``configs``, log and explain each change; exit code 1 if any instance failed."""
    from paasta_tools.clients.git import create_remote_ref
    from paasta_tools.deploy_tags import format_timestamp, plan_control_tags
    from paasta_tools.errors import PaastaError

    code = EXIT_OK
    targets, by_branch = [], {}
    for config in configs:
        try:
            targets.append((config.get_branch(), config.get_deploy_group()))
        except PaastaError as exc:
            out.write(f"{exc}\n")
            code = EXIT_FAILURE
            continue
        by_branch[config.get_branch()] = config
    plan = plan_control_tags(targets, refs, desired_state, format_timestamp(now()))
    explained: set[str] = set()
    for tag in plan.tags:
        config = by_branch[tag.branch]
        try:
            create_remote_ref(git_url, tag.ref, tag.sha, force=False)
        except PaastaError as exc:
            out.write(f"Could not {desired_state} {config.instance} in {config.cluster}: {exc}\n")
            code = EXIT_FAILURE
            continue
        line = (
            f"Issued request to change state of {config.instance} (an instance of {service}) "
            f"to '{desired_state}' by {_user_and_host()}"
        )
        writer.log(service=service, line=line, component="deploy", level="event", cluster=config.cluster,
                   instance=config.instance)  # fmt: skip
        out.write("".join(_framework_message(config.instance_type, desired_state, explained)))
    if plan.missing_deploy_groups:
        out.write(f"No branches found for {', '.join(plan.missing_deploy_groups)} in {git_url}.\n")
        out.write(f"Has {service} been deployed there yet?\n")
        code = EXIT_FAILURE
    return code


def _framework_message(instance_type: str, desired_state: str, explained: set[str]) -> list[str]:
    """The explanation of what ``desired_state`` means for the framework, once per framework."""
    messages = {"marathon": MARATHON_MESSAGES, "chronos": CHRONOS_MESSAGES}.get(instance_type)
    if messages is None or instance_type in explained:
        return []
    explained.add(instance_type)
    return [messages[desired_state] + "\n"]
