"""``paasta emergency-start|emergency-stop|emergency-restart``: act on a cluster's scheduler right now.

Unlike start/stop/restart (git control tags, applied by the next deploy), these talk to the
cluster's API directly.  For Marathon instances: emergency-stop scales every app of the instance
to 0 with ``force`` (no draining; desired instances stay 0 until the next deploy or bounce),
emergency-start scales the app of the current config back to its desired count, and
emergency-restart scales that app to 0 and lets setup_marathon_job scale it back up.
``ACTIONS`` dispatches by instance type; each action returns the output text to print.
The three subcommands are registered by the one-line modules ``emergency_start``/``_stop``/``_restart``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from paasta_tools.cli.arguments import SHORT_SOA_DIR_HELP, add_soa_dir_argument

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


@dataclass(frozen=True)
class EmergencyContext:
    """The instance to act on and the adapters to act with."""

    config: Any  # the InstanceConfig, deployments loaded
    system: Any  # SystemPaastaConfig
    log: Callable[[str], None]  # one ``deploy`` event line for the instance
    app_id: str | None = None  # -a/--appid: one Marathon app of the instance


def _marathon_client(ctx: EmergencyContext) -> Any:
    from paasta_tools.clients.marathon_client import get_marathon_client_from_config

    endpoints = ctx.system.get_cluster_endpoints(ctx.config.cluster)
    return get_marathon_client_from_config(endpoints.marathon_config or {})


def _desired_app(ctx: EmergencyContext) -> dict[str, Any]:
    from paasta_tools.config.smartstack import load_service_namespace_config
    from paasta_tools.marathon.app_dict import app_system_config_from, format_marathon_app_dict

    config = ctx.config
    namespace = load_service_namespace_config(config.soa_dir, config.service, config.get_nerve_namespace())
    return format_marathon_app_dict(config, app_system_config_from(ctx.system), namespace)


def _matching_app_ids(client: Any, config: Any) -> list[str]:
    from paasta_tools.clients.marathon_client import list_app_documents
    from paasta_tools.marathon.job_id import format_job_id, is_app_of_instance

    documents = list_app_documents(client, format_job_id(config.service, config.instance))
    return sorted(str(d["id"]) for d in documents if is_app_of_instance(str(d["id"]), config.service, config.instance))


def marathon_emergency(ctx: EmergencyContext, command: str) -> str:
    """Scale the Marathon app(s) of the instance with force; returns what was done."""
    from paasta_tools.clients.marathon_client import app_exists, scale_app
    from paasta_tools.errors import MarathonError
    from paasta_tools.marathon.job_id import is_app_of_instance, short_app_id

    config = ctx.config
    name = f"{config.service}.{config.instance}"
    client = _marathon_client(ctx)
    if ctx.app_id is not None and not is_app_of_instance(ctx.app_id, config.service, config.instance):
        prefix = short_app_id(config.service, config.instance)
        raise MarathonError(f"--appid {ctx.app_id} is not an app of {name} (its app ids start with {prefix}.)")
    if command == "stop":
        app_ids = [ctx.app_id] if ctx.app_id is not None else _matching_app_ids(client, config)
        if not app_ids:
            return f"{name} has no app in Marathon: nothing to stop."
        ctx.log(f"EmergencyStop: Scaling {name} down to 0 instances")
        for app_id in app_ids:
            scale_app(client, app_id, 0, force=True)
        return "\n".join(f"Scaled {app_id} down to 0 instances." for app_id in app_ids)
    app = _desired_app(ctx)
    app_id = ctx.app_id or app["id"]
    if not app_exists(client, app_id):
        return f"{name} (app {app_id}) is not configured in Marathon yet; setup_marathon_job will create it."
    if command == "start":
        ctx.log(f"EmergencyStart: scaling {name} up to {app['instances']} instances")
        scale_app(client, app_id, app["instances"], force=True)
        return f"Scaled {app_id} up to {app['instances']} instances."
    ctx.log(f"EmergencyRestart: Scaling {name} down to 0 instances, then letting them scale back up")
    scale_app(client, app_id, 0, force=True)
    return f"Scaled {app_id} down to 0 instances; setup_marathon_job will scale it back up to {app['instances']}."


def chronos_emergency(ctx: EmergencyContext, command: str) -> str:
    """Run a Chronos job now, disable it and kill its tasks, or both (see operations.chronos_emergency)."""
    from paasta_tools.operations.chronos_emergency import run_chronos_emergency

    return run_chronos_emergency(ctx.config, ctx.system, command, ctx.log)


ACTIONS: dict[str, Callable[[EmergencyContext, str], str]] = {
    "marathon": marathon_emergency,
    "chronos": chronos_emergency,
}


def run_emergency(
    service: str, instance: str, cluster: str, soa_dir: str, command: str, app_id: str | None = None
) -> str:
    """Load the instance and run its type's action; PaastaError when the type has none."""
    from paasta_tools.clients.log_writer import load_log_writer
    from paasta_tools.config.loader import load_instance_config
    from paasta_tools.errors import PaastaError
    from paasta_tools.system_config import load_system_paasta_config

    config = load_instance_config(service, instance, cluster, soa_dir)
    action = ACTIONS.get(config.instance_type)
    if action is None:
        raise PaastaError(
            f"emergency-{command} is not supported for {config.instance_type} instances ({service}.{instance})"
        )
    system = load_system_paasta_config()
    writer = load_log_writer(lambda: system)

    def log(line: str) -> None:
        writer.log(service, line, "deploy", "event", cluster, instance)

    return action(EmergencyContext(config, system, log, app_id), command)


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
