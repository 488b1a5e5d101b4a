"""Acting on an instance in its cluster's scheduler right now, dispatched by instance type.

Shared by ``paasta emergency-start|stop|restart`` and ``paasta_serviceinit start|stop|restart``.
For Marathon instances: stop scales every app of the instance (or the one ``app_id``) to 0 with
``force``, start scales the app of the current config back to its desired count, restart scales that
app to 0 and lets setup_marathon_job scale it back up.  Chronos: see operations.chronos_emergency.
Each action returns the output text to print.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


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
    from paasta_tools.config.soa_dir import malformed_value_error
    from paasta_tools.errors import MALFORMED_VALUE_ERRORS
    from paasta_tools.marathon.app_dict import app_system_config_from, format_marathon_app_dict

    config = ctx.config
    namespace = load_service_namespace_config(config.soa_dir, config.service, config.get_nerve_namespace())
    try:
        return format_marathon_app_dict(config, app_system_config_from(ctx.system), namespace)
    except MALFORMED_VALUE_ERRORS as exc:
        raise malformed_value_error(
            config.soa_dir, config.service, "marathon", config.cluster, config.instance, exc
        ) from None


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
