"""``paasta security-check``: the ``security-check`` step of a deploy pipeline.

Runs the system config's ``security_check_command`` (an argv list, or a string split as a shell
would, never run through a shell) followed by the service and the commit, for at most 300 s, and
prints its output.  The step never fails the pipeline: the exit code is always 0.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from typing import Any

from paasta_tools.cli.arguments import strip_services_prefix

EXIT_OK = 0
TIMEOUT_S = 300
FAILED_MESSAGE = (
    "The security-check failed. Please visit y/security-check-runbook to learn how to fix it "
    "(including whitelisting safe versions of packages and docker images)."
)


def add_subparser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "security-check",
        help="Performs a security check",
        description=(
            "Runs the security_check_command of the system paasta config with the service and the commit. "
            "Always exits 0."
        ),
    )
    parser.add_argument(
        "-s", "--service",
        help='Name of service for which you wish to check. Leading "services-", as included in a Jenkins job '
        "name, will be stripped. Defaults to the name of the current directory.",
    )  # fmt: skip
    parser.add_argument("-c", "--commit", required=True, help="Git sha of the image to check")
    parser.set_defaults(command_func=paasta_security_check)


def security_check_argv(command: Any, service: str, commit: str) -> list[str]:
    """The argv to run: the configured command's words, then ``service`` and ``commit``.

    Raises ValueError naming ``security_check_command`` when the value is neither a string nor a list
    of strings, or is empty.
    """
    if isinstance(command, str):
        words = shlex.split(command)
    elif isinstance(command, list) and all(isinstance(word, str) for word in command):
        words = list(command)
    else:
        raise ValueError(f"security_check_command must be a string or a list of strings, not {command!r}")
    if not words:
        raise ValueError("security_check_command is empty")
    return [*words, service, commit]


def paasta_security_check(args: argparse.Namespace, timeout: float = TIMEOUT_S) -> int:
    """Run the configured check if any; always 0."""
    from paasta_tools.clients.service_checks import run_command
    from paasta_tools.errors import PaastaError
    from paasta_tools.system_config import load_system_paasta_config

    service = strip_services_prefix(args.service or os.path.basename(os.getcwd()))
    try:
        system = load_system_paasta_config()
        command = system.get_security_check_command()
        if command is None:
            where = f"no security_check_command in {system.directory}"
            print(f"Nothing to be executed during the security-check step ({where})")
            return EXIT_OK
        argv = security_check_argv(command, service, args.commit)
    except (PaastaError, ValueError) as exc:
        print(f"The security-check could not run: {exc}")
        return EXIT_OK
    print(f"Running the security-check of {service} at {args.commit}: {shlex.join(argv)}")
    code = run_command(argv, timeout, lambda line: print(line, flush=True))
    if code != 0:
        print(FAILED_MESSAGE)
    else:
        print("The security-check passed.")
    sys.stdout.flush()
    return EXIT_OK
