"""Sensu events as data: the check result paasta sends for an instance, resolved from monitoring config.

``build_event`` follows upstream's ``monitoring_tools.send_event``: the team, tip, notification
e-mail, IRC channels, ticket, project and page are resolved through monitoring.yaml (see
``paasta_tools.config.monitoring``) with the caller's ``overrides`` on top; ``runbook``,
``alert_after``, ``check_every`` and ``realert_every`` come from the overrides or fixed defaults.
No team means no event.  Sending is done by ``paasta_tools.clients.sensu``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from paasta_tools.config.monitoring import get_monitoring_value
from paasta_tools.config.soa_dir import ServiceFiles

OK = 0
WARNING = 1
CRITICAL = 2
UNKNOWN = 3

DEFAULT_RUNBOOK = "http://y/paasta-troubleshooting"
DEFAULT_ALERT_AFTER = "5m"
DEFAULT_CHECK_EVERY = "1m"
DEFAULT_REALERT_EVERY = -1
# setup_marathon_job runs from cron every ~10 s; most of its failures are transient.
SETUP_MARATHON_JOB_OVERRIDES = {"check_every": "10s", "alert_after": "10m"}

_RESOLVED_FIELDS = ("tip", "notification_email", "irc_channels", "ticket", "project", "page")


@dataclass(frozen=True)
class SensuEvent:
    """One check result; ``fields`` holds the optional pysensu-yelp keyword arguments."""

    check_name: str
    status: int
    output: str
    team: str
    runbook: str
    fields: Mapping[str, Any] = field(default_factory=dict)


def _resolve(key: str, service_files: ServiceFiles, overrides: Mapping[str, Any]) -> Any:
    return get_monitoring_value(key, service_files, overrides)


def _notification_email(
    team: str, service_files: ServiceFiles, overrides: Mapping[str, Any], team_data: Mapping[str, Any] | None
) -> Any:
    """The resolved e-mail, else the team's e-mail from Sensu's team_data.json (``{"team_data": {...}}``)."""
    email = _resolve("notification_email", service_files, overrides)
    if email is None and team_data:
        team_entry = (team_data.get("team_data") or {}).get(team) or {}
        email = team_entry.get("notification_email")
    return email


def build_event(
    check_name: str,
    status: int,
    output: str,
    service_files: ServiceFiles,
    overrides: Mapping[str, Any],
    cluster: str,
    ttl: str | None = None,
    team_data: Mapping[str, Any] | None = None,
) -> SensuEvent | None:
    """The event for ``check_name`` of ``service_files.service``, or None when no team is configured.

    ``overrides`` are the instance's ``monitoring`` dict plus any per-check settings;
    ``team_data`` is the parsed /etc/sensu/team_data.json, used only for a missing e-mail.
    """
    team = _resolve("team", service_files, overrides)
    if not team:
        return None
    fields = {key: _resolve(key, service_files, overrides) for key in _RESOLVED_FIELDS}
    fields["notification_email"] = _notification_email(team, service_files, overrides, team_data)
    fields.update(
        alert_after=overrides.get("alert_after", DEFAULT_ALERT_AFTER),
        check_every=overrides.get("check_every", DEFAULT_CHECK_EVERY),
        realert_every=overrides.get("realert_every", DEFAULT_REALERT_EVERY),
        source=f"paasta-{cluster}",
        ttl=ttl,
    )
    runbook = overrides.get("runbook", DEFAULT_RUNBOOK)
    return SensuEvent(check_name=check_name, status=status, output=output, team=team, runbook=runbook, fields=fields)


def check_name(check: str, service: str, instance: str) -> str:
    """``<check>.<service>.<instance>`` (names unescaped, as upstream's compose_job_id)."""
    return f"{check}.{service}.{instance}"


def setup_marathon_job_overrides(instance_monitoring: Mapping[str, Any]) -> dict[str, Any]:
    """The instance's monitoring dict with setup_marathon_job's check_every 10s and alert_after 10m.

    Upstream sets both unconditionally for this check: the cron cadence is fixed, whatever the
    instance configured for its other checks.
    """
    return {**dict(instance_monitoring), **SETUP_MARATHON_JOB_OVERRIDES}
