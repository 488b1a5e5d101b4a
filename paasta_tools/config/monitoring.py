"""monitoring.yaml: resolution of Sensu alerting settings for an instance.

Lowest to highest priority: built-in default, service.yaml top-level key, service.yaml's
``monitoring`` dict (monitoring.yaml unless service.yaml has its own), monitoring.yaml,
the instance's ``monitoring`` overrides.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from paasta_tools.config.soa_dir import ServiceFiles

MONITORING_KEYS = (
    "team",
    "page",
    "runbook",
    "tip",
    "notification_email",
    "irc_channels",
    "ticket",
    "project",
    "alert_after",
    "realert_every",
    "check_every",
    "dependencies",
)

_DOCS = "https://paasta.readthedocs.io/en/latest/yelpsoa_configs.html#monitoring-yaml"
MONITORING_DEFAULTS: dict[str, Any] = {
    "runbook": f'Please set a `runbook` field in your monitoring.yaml. Like "y/rb-mesos". Docs: {_DOCS}',
    "tip": f"Please set a `tip` field in your monitoring.yaml. Docs: {_DOCS}",
    "ticket": False,
    "project": None,
    "realert_every": -1,
}


def monitoring_default(key: str) -> Any:
    """The built-in default of a monitoring key (None for keys without one)."""
    return MONITORING_DEFAULTS.get(key)


def get_monitoring_value(
    key: str, service_files: ServiceFiles, instance_monitoring: Mapping[str, Any] | None = None
) -> Any:
    """The effective value of monitoring ``key`` for an instance (see the module doc for the order)."""
    general = service_files.general_config()
    value = general.get(key, monitoring_default(key))
    service_monitoring = general.get("monitoring")
    if isinstance(service_monitoring, Mapping):
        value = service_monitoring.get(key, value)
    value = service_files.monitoring.get(key, value)
    if instance_monitoring:
        value = instance_monitoring.get(key, value)
    return value


def resolve_monitoring(
    service_files: ServiceFiles, instance_monitoring: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Every key of MONITORING_KEYS resolved for an instance."""
    return {key: get_monitoring_value(key, service_files, instance_monitoring) for key in MONITORING_KEYS}


def get_team(service_files: ServiceFiles, instance_monitoring: Mapping[str, Any] | None = None) -> str | None:
    return get_monitoring_value("team", service_files, instance_monitoring)


def get_runbook(service_files: ServiceFiles, instance_monitoring: Mapping[str, Any] | None = None) -> str:
    return get_monitoring_value("runbook", service_files, instance_monitoring)


def get_tip(service_files: ServiceFiles, instance_monitoring: Mapping[str, Any] | None = None) -> str:
    return get_monitoring_value("tip", service_files, instance_monitoring)


def get_page(service_files: ServiceFiles, instance_monitoring: Mapping[str, Any] | None = None) -> bool:
    return get_monitoring_value("page", service_files, instance_monitoring)


def get_notification_email(
    service_files: ServiceFiles, instance_monitoring: Mapping[str, Any] | None = None
) -> str | None:
    return get_monitoring_value("notification_email", service_files, instance_monitoring)


def get_irc_channels(service_files: ServiceFiles, instance_monitoring: Mapping[str, Any] | None = None) -> Any:
    return get_monitoring_value("irc_channels", service_files, instance_monitoring)


def get_ticket(service_files: ServiceFiles, instance_monitoring: Mapping[str, Any] | None = None) -> bool:
    return get_monitoring_value("ticket", service_files, instance_monitoring)


def get_project(service_files: ServiceFiles, instance_monitoring: Mapping[str, Any] | None = None) -> str | None:
    return get_monitoring_value("project", service_files, instance_monitoring)
