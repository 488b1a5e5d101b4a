# PYTHON_ARGCOMPLETE_OK
"""The ``paasta`` command line: a lazy-loading argparse front end.

Only the module of the subcommand being run is imported, so ``paasta --help``
and every command start fast.  ``COMMANDS`` is the explicit list of
subcommands (no module discovery) so that grep finds them.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from paasta_tools import __version__

# `typing` costs a few ms at import and only the annotation below needs it: `paasta --help` stays fast.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import NoReturn

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_INTERRUPTED = 1

# name -> (module, one-line help).  Each module exports add_subparser(subparsers).
COMMANDS: dict[str, tuple[str, str]] = {
    "info": ("paasta_tools.cli.cmds.info", "Prints the general information about a service."),
    "list": ("paasta_tools.cli.cmds.list", "Display a list of PaaSTA services"),
    "list-clusters": ("paasta_tools.cli.cmds.list_clusters", "Display a list of all PaaSTA clusters"),
    "check": ("paasta_tools.cli.cmds.check", "Determine whether service in pwd is 'paasta ready'"),
    "validate": ("paasta_tools.cli.cmds.validate", "Validate that service files have correct syntax"),
    "local-run": ("paasta_tools.cli.cmds.local_run", "Run service's Docker image locally"),
    "cook-image": ("paasta_tools.cli.cmds.cook_image", "Builds a docker image"),
    "itest": ("paasta_tools.cli.cmds.itest", "Runs 'make itest' as part of the PaaSTA contract."),
    "push-to-registry": ("paasta_tools.cli.cmds.push_to_registry", "Uploads a docker image to a registry"),
    "devcluster": ("paasta_tools.cli.cmds.devcluster", "Start, stop or inspect a local single-machine cluster"),
    "mark-for-deployment": ("paasta_tools.cli.cmds.mark_for_deployment", "Mark a docker image for deployment in git"),
    "rollback": ("paasta_tools.cli.cmds.rollback", "Rollback a docker image to a previous deploy"),
    "get-latest-deployment": (
        "paasta_tools.cli.cmds.get_latest_deployment",
        "Gets the Git SHA for the latest deployment of a service",
    ),
    "start": ("paasta_tools.cli.cmds.start", "Start or restarts a PaaSTA service in a graceful way."),
    "restart": ("paasta_tools.cli.cmds.restart", "Start or restarts a PaaSTA service in a graceful way."),
    "stop": ("paasta_tools.cli.cmds.stop", "Stops a PaaSTA service in a graceful way."),
    "status": ("paasta_tools.cli.cmds.status", "Display the status of a PaaSTA service."),
    "metastatus": ("paasta_tools.cli.cmds.metastatus", "Display the status for an entire PaaSTA cluster"),
    "autoscale": (
        "paasta_tools.cli.cmds.autoscale",
        "Show or set the instance count of an autoscaled service instance, bypassing the autoscaler",
    ),
    "emergency-start": (
        "paasta_tools.cli.cmds.emergency_start",
        "Kicks off a chronos job run, or scales up a marathon service instance to its desired count",
    ),
    "emergency-stop": (
        "paasta_tools.cli.cmds.emergency_stop",
        "Stop a PaaSTA service instance immediately (no draining) until its next deploy",
    ),
    "emergency-restart": (
        "paasta_tools.cli.cmds.emergency_restart",
        "Restarts a PaaSTA service instance right away (without draining)",
    ),
    "rerun": ("paasta_tools.cli.cmds.rerun", "Re-run a scheduled PaaSTA job"),
    "remote-run": (
        "paasta_tools.cli.cmds.remote_run",
        "Schedule Mesos to run adhoc command in context of a service",
    ),
    "logs": ("paasta_tools.cli.cmds.logs", "Streams logs relevant to a service across the PaaSTA components"),
    "fsm": ("paasta_tools.cli.cmds.fsm", "Generate boilerplate configs for a new PaaSTA Service"),
    "wait-for-deployment": (
        "paasta_tools.cli.cmds.wait_for_deployment",
        "Wait a service to be deployed to deploy_group",
    ),
    "security-check": ("paasta_tools.cli.cmds.security_check", "Performs a security check"),
    "performance-check": ("paasta_tools.cli.cmds.performance_check", "Performs a performance check"),
    "docker_exec": ("paasta_tools.cli.cmds.docker_exec", "Docker exec against a container for a service instance"),
    "docker_inspect": ("paasta_tools.cli.cmds.docker_inspect", "Docker inspect against a container running on a host"),
    "docker_stop": ("paasta_tools.cli.cmds.docker_stop", "Docker stop against a container running your service"),
    "sysdig": ("paasta_tools.cli.cmds.sysdig", "Run sysdig on a remote host and filter to a service and instance"),
}


class PaastaArgumentParser(argparse.ArgumentParser):
    """ArgumentParser that reports errors as upstream did: message, full help, exit 1."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"Argument parse error: {message}\n\n")
        self.print_help(sys.stderr)
        sys.exit(EXIT_FAILURE)


def _requested_command(argv: Sequence[str]) -> str | None:
    for arg in argv:
        if arg.startswith("-"):
            continue
        return arg if arg in COMMANDS else None
    return None


def build_parser(argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    """Build the parser; only the command named in ``argv`` gets its full subparser."""
    parser = PaastaArgumentParser(
        prog="paasta",
        description="The PaaSTA command line: inspect, deploy, start and stop services.",
    )
    parser.add_argument("-V", "--version", action="version", version=f"paasta-tools {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="SUBCOMMAND", parser_class=PaastaArgumentParser)
    wanted = _requested_command(argv)
    load_all = "_ARGCOMPLETE" in os.environ
    for name, (module_name, help_text) in sorted(COMMANDS.items()):
        if load_all or name == wanted:
            importlib.import_module(module_name).add_subparser(subparsers)
        else:
            subparsers.add_parser(name, help=help_text, description=help_text)
    help_parser = subparsers.add_parser("help", help="Show help for paasta or one of its commands")
    help_parser.add_argument("topic", nargs="?", help="command to show help for")
    return parser


def _print_help(topic: str | None) -> int:
    argv = [topic, "--help"] if topic else ["--help"]
    build_parser(argv).parse_args(argv)
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``paasta``; returns (and exits with) the command's exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(argv)
    if "_ARGCOMPLETE" in os.environ:
        import argcomplete

        argcomplete.autocomplete(parser)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_FAILURE
    if args.command == "help":
        return _print_help(args.topic)
    from paasta_tools.errors import PaastaError

    try:
        result = args.command_func(args)
    except PaastaError as exc:
        sys.stderr.write(f"{exc}\n")
        return EXIT_FAILURE
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    return EXIT_OK if result is None else int(result)


def console_main() -> None:
    sys.exit(main())


if __name__ == "__main__":
    console_main()
