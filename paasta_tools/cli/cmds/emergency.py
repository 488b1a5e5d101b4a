"""``paasta emergency-start|emergency-stop|emergency-restart``: act on a cluster's scheduler right now.

Unlike start/stop/restart (git control tags, applied by the next deploy), these talk to the
cluster's API directly.  For Marathon instances: emergency-stop scales every app of the instance
to 0 with ``force`` (no draining; desired instances stay 0 until the next deploy or bounce),
emergency-start scales the app of the current config back to its desired count, and
emergency-restart scales that app to 0 and lets setup_marathon_job scale it back up.
The actions live in :mod:`paasta_tools.operations.instance_emergency` (``ACTIONS``, by instance type).
The three subcommands are registered by the one-line modules ``emergency_start``/``_stop``/``_restart``.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from paasta_tools.cli.arguments import SHORT_SOA_DIR_HELP, add_soa_dir_argument
from paasta_tools.operations.instance_emergency import run_emergency

EXIT_OK = 0
EXIT_FAILURE = 1

HELP = {
    "start": "Kicks off a chronos job run, or scales up a marathon service instance to its desired count",
    "stop": "Stop a PaaSTA service instance immediately (no draining) until its next deploy",
    "restart": "Restarts a PaaSTA service instance right away (without draining)",
}

STOP_NOTES = """\

Warning: This command does not permanently stop the service. The next time the service is updated
(config change, deploy, bounce, etc.), those settings will override the emergency stop.

If you want this stop to be permanent, adjust the relevant config file to reflect that.
For example, this can be done for Marathon apps by setting 'instances: 0', or
for Chronos jobs by setting 'disabled: True'. Alternatively, remove the config yaml entirely."""

START_NOTES = """\

Warning: This command is not magic and cannot actually get a service to start if it couldn't
run before. This includes configurations that prevent the service from running,
such as 'instances: 0' (for Marathon apps).

All it does for Marathon apps is ask Marathon to resume normal operation by scaling up to
the instance count defined in the service's config.
All it does for Chronos jobs is send the latest version of the job config to Chronos and run it immediately."""

RESTART_NOTES = """\

Costs a bunch of time and money. Avoid using this.

Warning: This command does not gracefully terminate. It will instantly kill your service
and begin the process of starting it up again.
For Marathon apps, the app is scaled to 0 and setup_marathon_job scales it back up."""


def add_emergency_subparser(subparsers: argparse._SubParsersAction, command: str) -> None:
    """Add the ``emergency-<command>`` subparser."""
    parser = subparsers.add_parser(f"emergency-{command}", help=HELP[command], description=HELP[command])
    parser.add_argument("-s", "--service", help="Service that you want to act on. Like example_service.")
    parser.add_argument("-i", "--instance", required=True, help="Instance of the service, like 'main' or 'canary'")
    parser.add_argument("-c", "--cluster", required=True, help="The PaaSTA cluster that has the instance")
    parser.add_argument(
        "-a", "--appid", dest="appid", default=None,
        help="The complete Marathon app id to act on (default: every app of the instance for stop, "
        "the app of the current config otherwise). Like example--service.main.gitf0b3a1d2.config1234abcd",
    )  # fmt: skip
    add_soa_dir_argument(parser, help=SHORT_SOA_DIR_HELP)
    functions = {"start": paasta_emergency_start, "stop": paasta_emergency_stop, "restart": paasta_emergency_restart}
    parser.set_defaults(command_func=functions[command])


def paasta_emergency(args: argparse.Namespace, command: str, out: Any = None) -> int:
    """Entry point shared by the three subcommands."""
    from paasta_tools.cli.cmds.start_stop_restart import figure_out_service_name

    out = out or sys.stdout
    service = figure_out_service_name(args.service, args.soa_dir)
    out.write(f"Performing an emergency {command} on {service}.{args.instance}...\n")
    output = run_emergency(service, args.instance, args.cluster, args.soa_dir, command, getattr(args, "appid", None))
    if command == "start":
        out.write(START_NOTES + "\n")
        out.write(f"Output: {output}\n")
        out.write("Run this command to see the status:\n")
        out.write(f"paasta status --service {service} --clusters {args.cluster}\n")
    elif command == "stop":
        out.write(f"Output: {output}\n")
        out.write(STOP_NOTES + "\n")
        out.write("To start this service again asap, run:\n")
        out.write(f"paasta emergency-start --service {service} --instance {args.instance} --cluster {args.cluster}\n")
    else:
        out.write(f"Output: {output}\n")
        out.write(RESTART_NOTES + "\n")
    return EXIT_OK


def paasta_emergency_start(args: argparse.Namespace) -> int:
    return paasta_emergency(args, "start")


def paasta_emergency_stop(args: argparse.Namespace) -> int:
    return paasta_emergency(args, "stop")


def paasta_emergency_restart(args: argparse.Namespace) -> int:
    return paasta_emergency(args, "restart")
