"""``paasta wait-for-deployment``: wait until the commit marked for a deploy group runs in every cluster.

Talks to each cluster's Marathon (and Mesos) directly with ``paasta status``'s fetching code; the
desired app of each instance is computed from the soa-configs and the marked commit (with the start/stop
control tags on it, as generate_deployments_for_service will).  ``paasta mark-for-deployment
--wait-for-deployment`` waits the same way through :func:`wait_for_marked_commit`.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from paasta_tools.cli.arguments import add_soa_dir_argument

if TYPE_CHECKING:
    from paasta_tools.clients.log_writer import LogWriter
    from paasta_tools.config.soa_dir import ServiceFiles
    from paasta_tools.deploy_wait import InstanceProgress
    from paasta_tools.deployments import DeploymentsJson
    from paasta_tools.operations.wait_for_deployment import DeployTarget, WaitOutcome

EXIT_OK = 0
EXIT_FAILURE = 1
DEFAULT_DEPLOYMENT_TIMEOUT = 3600  # seconds
DEFAULT_POLL_INTERVAL_S = 10.0
_SHORT_SHA_RE = re.compile(r"[a-f0-9]{4,40}")


def validate_short_git_sha(value: str) -> str:
    """argparse type: a full or abbreviated (at least 4 characters) lowercase hex git sha."""
    if not _SHORT_SHA_RE.fullmatch(value):
        raise argparse.ArgumentTypeError(f"{value} is not a valid git sha")
    return value


def add_wait_arguments(parser: argparse.ArgumentParser) -> None:
    """``-t/--timeout`` and ``--polling-interval``, shared with mark-for-deployment."""
    parser.add_argument(
        "-t",
        "--timeout",
        dest="timeout",
        type=int,
        default=DEFAULT_DEPLOYMENT_TIMEOUT,
        help="Time in seconds to wait for paasta to deploy the service. If the timeout is exceeded we return 1. "
        "Default is %(default)s seconds.",
    )
    parser.add_argument(
        "--polling-interval",
        dest="polling_interval",
        type=float,
        default=DEFAULT_POLL_INTERVAL_S,
        help="How long to wait between each time we check to see if an instance is done deploying "
        "(seconds, at most 60). Default is %(default)s seconds.",
    )


def add_subparser(subparsers: argparse._SubParsersAction) -> None:
    from paasta_tools.cli.cmds.start_stop_restart import complete_deploy_groups, complete_services

    parser = subparsers.add_parser(
        "wait-for-deployment",
        help="Wait a service to be deployed to deploy_group",
        description="'paasta wait-for-deployment' waits for a previously marked for deployment service to be "
        "deployed to deploy_group.",
        epilog="Note: Access and credentials to the Git repo of a service are required for this command to work.",
    )
    parser.add_argument(
        "-u", "--git-url", default=None, help="Git url for service. Defaults to the normal git URL for the service."
    )
    parser.add_argument(
        "-c", "-k", "--commit", required=True, type=validate_short_git_sha, help="Git sha to wait for deployment"
    )
    parser.add_argument(
        "-l", "--deploy-group", required=True, help="deploy group (e.g. cluster1.canary, cluster2.main)."
    ).completer = complete_deploy_groups
    parser.add_argument(
        "-s",
        "--service",
        required=True,
        help='Name of the service which you wish to wait for deployment. Leading "services-" will be stripped.',
    ).completer = complete_services
    add_wait_arguments(parser)
    add_soa_dir_argument(parser)
    parser.add_argument(
        "-v", "--verbose", action="count", default=0, help="Print out more output (the progress at every check)."
    )
    parser.set_defaults(command_func=paasta_wait_for_deployment)


def marked_deployments(
    service: str, commit: str, targets: Sequence[DeployTarget], refs: Mapping[str, str]
) -> DeploymentsJson:
    """The deployments.json v1 entries the instances will get for ``commit``: its image, and the state
    and force_bounce of the newest start/stop control tag on it (``refs`` from ls-remote)."""
    from paasta_tools.deploy_tags import RefIndex
    from paasta_tools.deployments import DeploymentsJson, docker_image_for

    index = RefIndex(refs)
    v1 = {}
    for target in targets:
        branch = f"{target.cluster}.{target.instance}"
        state, force_bounce = index.desired_state(branch, commit)
        v1[f"{service}:paasta-{branch}"] = {
            "docker_image": docker_image_for(service, commit),
            "desired_state": state,
            "force_bounce": force_bounce,
        }
    return DeploymentsJson(v1)


@dataclass
class MarathonProgressFetcher:
    """``fetch(cluster, targets)`` for the waiting loop: one Marathon (and Mesos) read per cluster and round."""

    service: str
    files: ServiceFiles
    deployments: DeploymentsJson
    system: Any

    def __call__(self, cluster: str, targets: Sequence[DeployTarget]) -> list[InstanceProgress]:
        import datetime

        from paasta_tools.operations.cluster_state import marathon_cluster_data

        now = datetime.datetime.now(datetime.UTC)
        data = marathon_cluster_data(self.system, self.service, cluster, {})
        return [self._instance(cluster, target.instance, data, now) for target in targets]

    def _instance(self, cluster: str, instance: str, data: dict[str, Any], now: Any) -> InstanceProgress:
        from paasta_tools.config.loader import build_instance_config
        from paasta_tools.config.smartstack import load_service_namespace_config
        from paasta_tools.deploy_wait import error_progress, marathon_progress
        from paasta_tools.errors import PaastaError
        from paasta_tools.marathon.app_dict import app_system_config_from, format_marathon_app_dict
        from paasta_tools.status.marathon import build_marathon_status

        branch_dict = self.deployments.get_branch_dict(self.service, f"{cluster}.{instance}")
        try:
            config = build_instance_config(self.files, "marathon", cluster, instance, branch_dict)
            namespace = load_service_namespace_config(self.files, self.service, config.get_nerve_namespace())
            app_id = format_marathon_app_dict(config, app_system_config_from(self.system), namespace)["id"]
        except PaastaError as exc:
            return error_progress(cluster, instance, str(exc))
        status = build_marathon_status(
            config, app_id, data["apps"], data["queue"], data["mesos_state"], now, data["mesos_error"]
        )
        expected = None
        if config.get_max_instances() is not None and status.desired_app is not None:
            expected = status.desired_app.instances  # the autoscaler owns the count
        return marathon_progress(status, expected)


def _print(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def wait_for_marked_commit(
    service: str,
    deploy_group: str,
    commit: str,
    soa_dir: str,
    refs: Mapping[str, str],
    timeout: float,
    poll_interval: float,
    writer: LogWriter,
    verbose: bool = False,
    out: Callable[[str], None] = _print,
) -> WaitOutcome | None:
    """Wait until ``commit`` is deployed to every instance of ``deploy_group``; None when it has no instances.

    Logs (component ``deploy``) the completion or the timeout explanation.  ``verbose`` prints the
    progress every round, not only when it changes.
    """
    from paasta_tools.config.soa_dir import read_service_files
    from paasta_tools.deploy_wait import timeout_message
    from paasta_tools.operations.wait_for_deployment import (
        HEARTBEAT_S,
        DeploymentWaiter,
        WaitOutcome,
        deploy_group_targets,
    )
    from paasta_tools.system_config import load_system_paasta_config

    files = read_service_files(soa_dir, service)
    targets = deploy_group_targets(files, deploy_group)
    if not targets:
        line = f"Couldn't find any instances for service {service} in deploy group {deploy_group}"
        writer.log(service=service, line=line, component="deploy", level="event")
        out(line)
        return None
    out(f"Waiting for deployment of {commit} for '{deploy_group}' complete...")
    fetcher = MarathonProgressFetcher(
        service, files, marked_deployments(service, commit, targets, refs), load_system_paasta_config()
    )
    waiter = DeploymentWaiter(service, targets, fetcher, out, poll_interval, heartbeat=0 if verbose else HEARTBEAT_S)
    result = waiter.run(timeout)
    if result.outcome is WaitOutcome.DEPLOYED:
        line = f"Deployment of {commit} for {deploy_group} complete"
    elif result.outcome is WaitOutcome.TIMED_OUT:
        line = timeout_message(service, deploy_group, commit, timeout, result.progress.waiting_by_cluster())
    else:
        return result.outcome
    writer.log(service=service, line=line, component="deploy", level="event")
    out(line)
    return result.outcome


def latest_marked_sha(refs: Mapping[str, str], deploy_group: str) -> str | None:
    """The sha of the newest deploy tag of ``deploy_group``, or None."""
    from paasta_tools.deploy_tags import RefIndex

    tag = RefIndex(refs).latest_deploy_tag(deploy_group)
    return tag.sha if tag is not None else None


def check_latest_marked(commit: str, refs: Mapping[str, str], deploy_group: str, service: str) -> str:
    """The full sha of ``commit`` (full or abbreviated) when it is the latest marked for the group.

    Raises DeployGroupError naming the group and the latest marked sha otherwise.
    """
    from paasta_tools.errors import DeployGroupError

    marked = latest_marked_sha(refs, deploy_group)
    if marked is None:
        raise DeployGroupError(f"ERROR: Nothing is marked for deployment in {deploy_group} for {service}")
    if not marked.startswith(commit):
        raise DeployGroupError(f"ERROR: The latest git SHA marked for deployment in {deploy_group} is {marked}")
    return marked


def check_deploy_group_in_use(deploy_group: str, in_use: Sequence[str]) -> None:
    """Raise DeployGroupError listing the in-use groups when ``deploy_group`` is not one of them."""
    from paasta_tools.errors import DeployGroupError

    if deploy_group not in in_use:
        raise DeployGroupError(
            f"ERROR: These deploy groups are not currently used anywhere: {deploy_group}.\n"
            f"You probably need one of these in-use deploy groups?:\n   {','.join(in_use)}"
        )


def _red(text: str) -> str:
    return f"\033[31m{text}\033[0m" if sys.stdout.isatty() else text


def paasta_wait_for_deployment(args: argparse.Namespace) -> int:
    """Check that the commit is the group's latest marked one, then wait for it (exit 1 on timeout/Ctrl-C)."""
    from paasta_tools.cli.arguments import strip_services_prefix
    from paasta_tools.cli.cmds.mark_for_deployment import in_use_deploy_groups
    from paasta_tools.clients.git import list_remote_refs
    from paasta_tools.clients.log_writer import load_log_writer
    from paasta_tools.deploy_wait import aborted_lines
    from paasta_tools.errors import DeployGroupError
    from paasta_tools.operations.wait_for_deployment import WaitOutcome

    service = strip_services_prefix(args.service)
    default_git_url, in_use = in_use_deploy_groups(service, args.soa_dir)
    try:
        check_deploy_group_in_use(args.deploy_group, in_use)
        refs = list_remote_refs(args.git_url or default_git_url)
        commit = check_latest_marked(args.commit, refs, args.deploy_group, service)
    except DeployGroupError as exc:
        _print(_red(str(exc)))
        return EXIT_FAILURE
    writer = load_log_writer()
    outcome = wait_for_marked_commit(
        service, args.deploy_group, commit, args.soa_dir, refs, args.timeout, args.polling_interval, writer,
        verbose=bool(args.verbose),
    )  # fmt: skip
    if outcome is WaitOutcome.DEPLOYED:
        return EXIT_OK
    if outcome is not None:
        for line in aborted_lines(service, args.deploy_group):
            _print(line)
    return EXIT_FAILURE
