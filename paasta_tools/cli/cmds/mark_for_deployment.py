"""``paasta mark-for-deployment``: tag a commit so that a deploy group runs it.

Pushes ``refs/tags/paasta-<deploy_group>-<YYYYmmddTHHMMSS>-deploy`` (forced) at the commit in the
service's git repository; generate_deployments_for_service then maps it into deployments.json.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, TextIO

from paasta_tools.cli.arguments import add_soa_dir_argument, strip_services_prefix

if TYPE_CHECKING:
    from paasta_tools.clients.log_writer import LogWriter

EXIT_OK = 0
EXIT_FAILURE = 1
_FULL_SHA_RE = re.compile(r"[a-f0-9]{40}")


def validate_full_git_sha(value: str) -> str:
    """argparse type: a full 40-character lowercase hex git sha."""
    if not _FULL_SHA_RE.fullmatch(value):
        raise argparse.ArgumentTypeError(f"{value} is not a full git sha")
    return value


def add_subparser(subparsers: argparse._SubParsersAction) -> None:
    from paasta_tools.cli.cmds.start_stop_restart import complete_deploy_groups, complete_services

    parser = subparsers.add_parser(
        "mark-for-deployment",
        help="Mark a docker image for deployment in git",
        description=(
            "'paasta mark-for-deployment' uses Git as the control-plane, to signal to other PaaSTA "
            "components that a particular docker image is ready to be deployed."
        ),
        epilog=("Note: Access and credentials to the Git repo of a service are required for this command to work."),
    )
    parser.add_argument(
        "-u",
        "--git-url",
        help="Git url for service -- where magic mark-for-deployment tags are pushed. "
        "Defaults to the normal git URL for the service.",
        default=None,
    )
    parser.add_argument(
        "-c",
        "-k",
        "--commit",
        help="Git sha to mark for deployment",
        required=True,
        type=validate_full_git_sha,
    )
    parser.add_argument(
        "-l",
        "--deploy-group",
        "--clusterinstance",
        help="Mark the service ready for deployment in this deploy group (e.g. cluster1.canary, cluster2.main). "
        "--clusterinstance is deprecated and should be replaced with --deploy-group",
        required=True,
    ).completer = complete_deploy_groups
    parser.add_argument(
        "-s", "--service", required=True, help="Name of the service which you wish to mark for deployment."
    ).completer = complete_services
    add_soa_dir_argument(parser)
    parser.add_argument("-v", "--verbose", action="count", default=0, help="Print out more output.")
    parser.add_argument(
        "--verify-image-exists",
        action="store_true",
        default=False,
        help="Check the system config's docker_registry for the commit's image first; refuse to mark a commit "
        "whose image was never pushed",
    )
    _add_wait_arguments(parser)
    parser.set_defaults(command_func=paasta_mark_for_deployment)


def _add_wait_arguments(parser: argparse.ArgumentParser) -> None:
    from paasta_tools.cli.cmds.wait_for_deployment import add_wait_arguments

    parser.add_argument(
        "--wait-for-deployment",
        dest="block",
        action="store_true",
        default=False,
        help="Set to poll paasta and wait for the deployment to finish, "
        "the default strategy is to mark for deployment and exit straightaway",
    )
    add_wait_arguments(parser)
    parser.add_argument(
        "--auto-rollback",
        dest="auto_rollback",
        action="store_true",
        default=False,
        help="Automatically roll back to the previously deployed sha if the deployment times out or is canceled "
        "(ctrl-c). Only applicable with --wait-for-deployment. Defaults to false.",
    )


def _red(text: str, stream: TextIO) -> str:
    isatty = getattr(stream, "isatty", None)
    return f"\033[31m{text}\033[0m" if isatty and isatty() else text


def unused_deploy_group_warning(deploy_group: str, in_use: list[str]) -> list[str]:
    """The lines printed when ``deploy_group`` is not used by any instance (nor the pipeline)."""
    return [
        f"ERROR: These deploy groups are not currently used anywhere: {deploy_group}.",
        "",
        "This isn't technically wrong because you can mark-for-deployment before deploying there",
        "but this is probably a typo. Did you mean one of these in-use deploy groups?:",
        f"   {','.join(in_use)}",
        "",
        "Continuing regardless...",
    ]


def mark_for_deployment(
    git_url: str,
    deploy_group: str,
    service: str,
    commit: str,
    writer: LogWriter,
    now: Callable[[], datetime] | None = None,
    debug: Callable[[str], None] | None = None,
) -> tuple[int, list[str]]:
    """Push the deploy tag of ``commit`` for ``deploy_group``; returns (exit code, lines logged).

    ``debug`` receives a line naming the tag and repository before the push.
    """
    from paasta_tools.clients.git import create_remote_ref
    from paasta_tools.deploy_tags import deploy_tag_ref, format_timestamp
    from paasta_tools.errors import GitError

    ref = deploy_tag_ref(deploy_group, format_timestamp(now() if now else _utcnow()))
    if debug is not None:
        debug(f"Pushing {ref} -> {commit} to {git_url}")
    try:
        create_remote_ref(git_url, ref, commit, force=True)
    except GitError as exc:
        lines = [f"Failed to mark {commit} for deployment in deploy group {deploy_group}!", *str(exc).splitlines()]
        code = EXIT_FAILURE
    else:
        lines = [f"Marked {commit} for deployment in deploy group {deploy_group}"]
        code = EXIT_OK
    for line in lines:
        writer.log(service=service, line=line, component="deploy", level="event")
    return code, lines


def _utcnow() -> datetime:
    from datetime import UTC

    return datetime.now(UTC)


def in_use_deploy_groups(service: str, soa_dir: str) -> tuple[str, list[str]]:
    """(git_url of service.yaml, sorted deploy groups used by instances or named by the deploy.yaml pipeline)."""
    from paasta_tools.config.deploy_yaml import get_pipeline_deploy_groups
    from paasta_tools.config.loader import instance_configs_from_files
    from paasta_tools.config.soa_dir import read_service_files, require_service_dir
    from paasta_tools.errors import PaastaError

    require_service_dir(soa_dir, service)
    files = read_service_files(soa_dir, service)
    groups: set[str] = set()
    for config in instance_configs_from_files(files):
        try:
            groups.add(config.get_deploy_group())
        except PaastaError:
            continue  # validate reports broken deploy groups; they must not block a deploy
    groups.update(get_pipeline_deploy_groups(files.deploy, f"{soa_dir}/{service}/deploy.yaml"))
    return files.get_git_url(), sorted(groups)


def _currently_deployed_sha(service: str, deploy_group: str, soa_dir: str) -> str | None:
    from paasta_tools.cli.cmds.get_latest_deployment import get_currently_deployed_sha
    from paasta_tools.errors import PaastaError

    try:
        return get_currently_deployed_sha(service, deploy_group, soa_dir)
    except PaastaError:
        return None  # an unreadable deployments.json only loses the "already deployed" warning


def paasta_mark_for_deployment(args: argparse.Namespace) -> int:
    """Warn about unused deploy groups and re-marks of the deployed sha, push the deploy tag and, with
    ``--wait-for-deployment``, wait for the deploy (rolling back on timeout with ``--auto-rollback``)."""
    from paasta_tools.clients.log_writer import load_log_writer

    out = sys.stdout
    service = strip_services_prefix(args.service)
    default_git_url, in_use = in_use_deploy_groups(service, args.soa_dir)
    if args.deploy_group not in in_use:
        out.write("".join(_red(line, out) + "\n" for line in unused_deploy_group_warning(args.deploy_group, in_use)))
    if _currently_deployed_sha(service, args.deploy_group, args.soa_dir) == args.commit:
        out.write("Warning: The sha asked to be deployed already matches what is set to be deployed:\n")
        out.write(f"{args.commit}\nContinuing anyway.\n")
    if args.verify_image_exists and not _image_pushed(service, args.commit):
        return EXIT_FAILURE
    git_url = args.git_url or default_git_url
    refs = _refs_before_marking(git_url)
    old_sha = previously_marked_sha(refs, args.deploy_group)
    writer = load_log_writer()
    code, lines = mark_for_deployment(
        git_url=git_url,
        deploy_group=args.deploy_group,
        service=service,
        commit=args.commit,
        writer=writer,
        debug=(lambda line: out.write(line + "\n")) if args.verbose else None,
    )
    stream = sys.stdout if code == EXIT_OK else sys.stderr
    stream.write("".join(line + "\n" for line in lines))
    if code == EXIT_OK and args.block:
        code = _wait_after_marking(args, service, git_url, refs, old_sha, writer)
    if old_sha is not None and old_sha != args.commit and not args.auto_rollback:
        from paasta_tools.deploy_wait import rollback_hint_lines

        hint = rollback_hint_lines(service, args.deploy_group, old_sha)
        out.write("".join(line + "\n" for line in hint[:-1]) + _bold(hint[-1], out) + "\n")
    return code


def _image_pushed(service: str, commit: str) -> bool:
    """Whether the registry has ``services-<service>:paasta-<commit>``; says what to do when not."""
    from paasta_tools.clients.docker_registry import image_tag_exists
    from paasta_tools.deployments import docker_image_for
    from paasta_tools.system_config import load_system_paasta_config

    registry = load_system_paasta_config().get_docker_registry()
    repository, _, tag = docker_image_for(service, commit).partition(":")
    if image_tag_exists(registry, repository, tag):
        return True
    image = f"{registry}/{repository}:{tag}"
    error = _red(f"ERROR: {image} is not in the registry, so {commit} cannot be deployed.", sys.stderr)
    hint = f"Push it first (paasta push-to-registry -s {service} -c {commit}) or mark a commit whose image was pushed."
    sys.stderr.write(f"{error}\n{hint}\n")
    return False


def _bold(text: str, stream: TextIO) -> str:
    isatty = getattr(stream, "isatty", None)
    return f"\033[1m{text}\033[0m" if isatty and isatty() else text


def _refs_before_marking(git_url: str) -> dict[str, str]:
    """The repository's refs ({} when they cannot be listed: marking then reports the git error)."""
    from paasta_tools.clients.git import list_remote_refs
    from paasta_tools.errors import GitError

    try:
        return list_remote_refs(git_url)
    except GitError:
        return {}


def previously_marked_sha(refs: dict[str, str], deploy_group: str) -> str | None:
    """The sha of the group's newest deploy tag in ``refs`` (listed before marking), or None."""
    from paasta_tools.deploy_tags import RefIndex

    tag = RefIndex(refs).latest_deploy_tag(deploy_group)
    return tag.sha if tag is not None else None


def _wait_after_marking(
    args: argparse.Namespace, service: str, git_url: str, refs: dict[str, str], old_sha: str | None, writer: LogWriter
) -> int:
    from paasta_tools.cli.cmds.wait_for_deployment import wait_for_marked_commit
    from paasta_tools.deploy_wait import aborted_lines
    from paasta_tools.operations.wait_for_deployment import WaitOutcome

    outcome = wait_for_marked_commit(
        service, args.deploy_group, args.commit, args.soa_dir, refs, args.timeout, args.polling_interval, writer,
        verbose=bool(args.verbose),
    )  # fmt: skip
    if outcome is WaitOutcome.DEPLOYED:
        return EXIT_OK
    if outcome is None:
        return EXIT_FAILURE
    if args.auto_rollback:
        lines = auto_rollback(git_url, args.deploy_group, service, args.commit, old_sha, writer)
    else:
        lines = aborted_lines(service, args.deploy_group)
    sys.stdout.write("".join(line + "\n" for line in lines))
    return EXIT_FAILURE


def auto_rollback(
    git_url: str, deploy_group: str, service: str, commit: str, old_sha: str | None, writer: LogWriter
) -> list[str]:
    """Re-mark ``old_sha`` for the group (when there is one other than ``commit``); the lines to print."""
    if old_sha is None:
        return [
            "Error: --auto-rollback was requested, but nothing was marked for deployment",
            f"in {deploy_group} before {commit}. Can't rollback automatically.",
        ]
    if old_sha == commit:
        return [
            "Error: --auto-rollback was requested, but the previous sha",
            "is the same that was requested with --commit. Can't rollback",
            "automatically.",
        ]
    _, lines = mark_for_deployment(git_url, deploy_group, service, old_sha, writer)
    return ["Auto-Rollback requested. Marking the previous sha", f"({old_sha}) for {deploy_group} as desired.", *lines]
