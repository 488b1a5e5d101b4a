"""Sending an instance's check result to Sensu (built by paasta_tools.config.monitoring_events)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from paasta_tools.clients import sensu
from paasta_tools.config.monitoring_events import (
    CRITICAL,
    OK,
    SensuEvent,
    build_event,
    check_name,
    setup_marathon_job_overrides,
)
from paasta_tools.config.soa_dir import ServiceFiles


@dataclass(frozen=True)
class SensuTarget:
    """Where events go (``host`` None: nowhere) and the cluster they are from."""

    cluster: str
    host: str | None
    port: int

    @classmethod
    def from_system_config(cls, system_config: Any) -> SensuTarget:
        return cls(system_config.get_cluster(), system_config.get_sensu_host(), system_config.get_sensu_port())


def send(target: SensuTarget, event: SensuEvent | None) -> bool:
    """Send ``event`` (None: the service has no team) to Sensu; True when something was sent."""
    if event is None:
        return False
    return sensu.send_event(event, target.host, target.port)


def setup_marathon_job_event(
    service_files: ServiceFiles,
    instance: str,
    instance_monitoring: Mapping[str, Any],
    failed: bool,
    output: str,
    cluster: str,
) -> SensuEvent | None:
    """``setup_marathon_job.<service>.<instance>``: OK or CRITICAL, check_every 10s, alert_after 10m."""
    return build_event(
        check_name("setup_marathon_job", service_files.service, instance),
        CRITICAL if failed else OK,
        output,
        service_files,
        setup_marathon_job_overrides(instance_monitoring),
        cluster,
    )


def removed_instance_events(
    service_files: ServiceFiles, instance: str, instance_monitoring: Mapping[str, Any], cluster: str
) -> list[SensuEvent]:
    """The OK events cleanup_marathon_jobs sends for a removed instance's two checks."""
    output = "This instance was removed and is no longer running"
    events = []
    for check in ("check_marathon_services_replication", "setup_marathon_job"):
        event = build_event(
            check_name(check, service_files.service, instance), OK, output, service_files, instance_monitoring, cluster
        )
        if event is not None:
            events.append(event)
    return events
