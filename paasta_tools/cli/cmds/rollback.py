"""``paasta rollback``: mark an earlier (or any) commit for deployment in one or more deploy groups.

Without ``-k`` it lists the ten most recently deployed commits of the service and an example command.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TextIO

from paasta_tools.cli.arguments import add_soa_dir_argument
from paasta_tools.cli.cmds.mark_for_deployment import validate_full_git_sha

if TYPE_CHECKING:
    from paasta_tools.deploy_tags import PreviousDeploy

EXIT_OK = 0
EXIT_FAILURE = 1
RECENT_COMMITS = 10


def add_subparser(subparsers: argparse._SubParsersAction) -> None:
    from paasta_tools.cli.cmds.start_stop_restart import complete_deploy_groups, complete_services

    parser = subparsers.add_parser(
        "rollback",
        help="Rollback a docker image to a previous deploy",
        description=(
            "'paasta rollback' is a human-friendly tool for marking a particular docker image for deployment, "
            "which invokes a bounce. While the command is called 'rollback', it can be used to roll forward or "
            "back, as long as there is a docker image available for the input git SHA."
        ),
        epilog="This rollback command uses the Git control plane, which requires network connectivity as well "
        "as authorization to the git repo.",
    )
    parser.add_argument(
        "-k", "--commit", help="Git SHA to mark for rollback", type=validate_full_git_sha
    ).completer = complete_previous_shas
    parser.add_argument(
        "-l",
        "--deploy-groups",
        default="",
        help='Mark one or more deploy groups to roll back (e.g. "all_canaries", "NOVA_PROD"). '
        "Defaults to all deploy groups.",
    ).completer = complete_deploy_groups
    parser.add_argument(
        "-s", "--service", help='Name of the service to rollback (e.g. "service1")'
    ).completer = complete_services
    add_soa_dir_argument(parser, ("-y", "-d"))
    parser.set_defaults(command_func=paasta_rollback)


def split_deploy_groups(in_use: Sequence[str], given: str) -> tuple[list[str], list[str]]:
    """(valid, invalid) deploy groups of the comma-separated ``given``; all of ``in_use`` when none given."""
    wanted = [group for group in given.split(",") if group]
    if not wanted:
        return sorted(in_use), []
    return sorted(g for g in set(wanted) if g in in_use), sorted(g for g in set(wanted) if g not in in_use)


def natural_time(when: datetime, now: datetime) -> str:
    """How long ago ``when`` was, in words ("3 hours ago")."""
    seconds = int((now - when).total_seconds())
    if seconds < 1:
        return "now"
    for unit, size in (("year", 365 * 86400), ("month", 30 * 86400), ("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            return f"{'an' if unit == 'hour' else 'a'} {unit} ago" if count == 1 else f"{count} {unit}s ago"
    return "a second ago" if seconds == 1 else f"{seconds} seconds ago"


def format_table(rows: Sequence[Sequence[str]]) -> list[str]:
    """Rows with every column padded to its widest cell, two spaces apart."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]


def recent_commits_lines(
    service: str, deploys: Sequence[PreviousDeploy], given_groups: Sequence[str], now: datetime
) -> list[str]:
    """The listing printed when no commit was given: a table of recent deploys and an example command."""
    from paasta_tools.deploy_tags import parse_timestamp

    def human(timestamp: str) -> str:
        when = parse_timestamp(timestamp)
        return natural_time(when, now) if when else "unknown"

    rows = [("Timestamp -- UTC", "Human time", "deploy_group", "Git SHA")]
    rows.extend((d.timestamp, human(d.timestamp), d.deploy_group, d.sha) for d in deploys)
    lines = ["Below is a list of recent commits:", *format_table(rows)]
    if len(deploys) >= 2:
        example = deploys[1]
        groups_arg = f"-l {','.join(given_groups)} " if given_groups else ""
        lines.append("")
        lines.append(
            f"For example, to use the second to last commit from {human(example.timestamp)} "
            f"used on {example.deploy_group}, run:"
        )
        lines.append(f"    paasta rollback -s {service} {groups_arg}-k {example.sha}")
    return lines


def paasta_rollback(args: argparse.Namespace) -> int:
    """Mark ``--commit`` for deployment in each selected deploy group, or list recent commits."""
    from paasta_tools.cli.cmds.mark_for_deployment import in_use_deploy_groups, mark_for_deployment
    from paasta_tools.cli.cmds.start_stop_restart import figure_out_service_name
    from paasta_tools.clients.log_writer import load_log_writer

    out = sys.stdout
    service = figure_out_service_name(args.service, args.soa_dir)
    git_url, in_use = in_use_deploy_groups(service, args.soa_dir)
    deploy_groups, invalid = split_deploy_groups(in_use, args.deploy_groups)
    if invalid:
        out.write(f"These deploy groups are not valid and will be skipped: {','.join(invalid)}.\n\n")
    if not deploy_groups:
        out.write(f"ERROR: No valid deploy groups specified for {service}.\n\n")
        return EXIT_FAILURE
    if not args.commit:
        out.write("Please specify a commit to mark for rollback (-k, --commit).\n")
        given = deploy_groups if args.deploy_groups else []
        return _list_recent_commits(service, git_url, deploy_groups, given, out)
    code = EXIT_OK
    writer = load_log_writer()
    for deploy_group in deploy_groups:
        result, lines = mark_for_deployment(git_url, deploy_group, service, args.commit, writer)
        (out if result == EXIT_OK else sys.stderr).write("".join(line + "\n" for line in lines))
        code = max(code, result)
    return code


def _list_recent_commits(
    service: str, git_url: str, deploy_groups: Sequence[str], given: Sequence[str], out: TextIO
) -> int:
    from paasta_tools.clients.git import list_remote_refs
    from paasta_tools.deploy_tags import previously_deployed_shas

    deploys = previously_deployed_shas(list_remote_refs(git_url), deploy_groups)[:RECENT_COMMITS]
    out.write("".join(line + "\n" for line in recent_commits_lines(service, deploys, given, datetime.now(UTC))))
    return EXIT_FAILURE


def complete_previous_shas(prefix: str, parsed_args: argparse.Namespace, **_: object) -> list[str]:
    """Shas previously marked for the selected deploy groups."""
    from paasta_tools.cli.cmds.mark_for_deployment import in_use_deploy_groups
    from paasta_tools.clients.git import list_remote_refs
    from paasta_tools.deploy_tags import previously_deployed_shas
    from paasta_tools.errors import PaastaError

    try:
        service = parsed_args.service or ""
        git_url, in_use = in_use_deploy_groups(service, parsed_args.soa_dir)
        groups, _ = split_deploy_groups(in_use, parsed_args.deploy_groups or "")
        deploys = previously_deployed_shas(list_remote_refs(git_url), groups)
    except PaastaError:
        return []
    return [d.sha for d in deploys if d.sha.startswith(prefix)]
