"""Replication of Marathon instances (check_marathon_services_replication, §4.10), as pure functions.

The caller fetches Marathon tasks, Mesos agents and HAProxy stats; these functions decide how
many instances are expected, how many are available, and build upstream's output text.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from paasta_tools.config.marathon_config import MarathonServiceConfig
from paasta_tools.config.smartstack import ServiceNamespaceConfig
from paasta_tools.marathon.happy_tasks import is_task_healthy, is_task_running
from paasta_tools.marathon.job_id import is_app_of_instance
from paasta_tools.marathon.tasks import MarathonTask

OK = 0
CRITICAL = 2
DEFAULT_MIN_TASK_UPTIME_S = 60.0
CHECK_NAME = "check_marathon_services_replication"

SMARTSTACK_EXPLANATION = (
    "\n\n"
    "What this alert means:\n"
    "\n"
    "  This replication alert means that a SmartStack powered loadbalancer (haproxy)\n"
    "  doesn't have enough healthy backends. Not having enough healthy backends\n"
    "  means that clients of that service will get 503s (http) or connection refused\n"
    "  (tcp) when trying to connect to it.\n"
    "\n"
    "Reasons this might be happening:\n"
    "\n"
    "  The service may simply not have enough copies or it could simply be\n"
    "  unhealthy in that location. There also may not be enough resources\n"
    "  in the cluster to support the requested instance count.\n"
    "\n"
    "Things you can do:\n"
    "\n"
    "  * You can view the logs for the job with:\n"
    "      paasta logs -s {service} -i {instance} -c {cluster}\n"
    "\n"
    "  * Fix the cause of the unhealthy service. Try running:\n"
    "\n"
    "      paasta status -s {service} -i {instance} -c {cluster} -vv\n"
    "\n"
    "  * Widen SmartStack discovery settings\n"
    "  * Increase the instance count\n"
    "\n"
)

MESOS_EXPLANATION = (
    "\n\n"
    "What this alert means:\n"
    "\n"
    "  This replication alert means that the service PaaSTA can't keep the\n"
    "  requested number of copies up and healthy in the cluster.\n"
    "\n"
    "Reasons this might be happening:\n"
    "\n"
    "  The service may simply unhealthy. There also may not be enough resources\n"
    "  in the cluster to support the requested instance count.\n"
    "\n"
    "Things you can do:\n"
    "\n"
    "  * Increase the instance count\n"
    "  * Fix the cause of the unhealthy service. Try running:\n"
    "\n"
    "      paasta status -s {service} -i {instance} -c {cluster} -vv\n"
)


@dataclass(frozen=True)
class ReplicationResult:
    """The check's verdict for one instance: Sensu status (OK/CRITICAL) and output text."""

    status: int
    output: str


def is_under_replicated(num_available: int, expected_count: int, crit_threshold: float) -> tuple[bool, float]:
    """(under?, percent available); nothing expected counts as 100%."""
    ratio = 100.0 if expected_count == 0 else num_available / float(expected_count) * 100
    return ratio < crit_threshold, ratio


def expected_count_for_namespace(
    configs: Iterable[MarathonServiceConfig],
    namespace: str,
    autoscaled: Mapping[str, int] | None = None,
) -> int:
    """Sum of the desired instances of every config registered in ``namespace``.

    A stopped instance (deployments.json desired_state stop) expects 0, as upstream's get_instances() did.
    ``autoscaled`` maps instance names to their ZooKeeper autoscaling count (instances with max_instances).
    """
    autoscaled = autoscaled or {}
    return sum(
        config.get_desired_instances(autoscaled.get(config.instance))
        for config in configs
        if config.get_nerve_namespace() == namespace
    )


def uses_smartstack_check(config: MarathonServiceConfig, namespace_config: ServiceNamespaceConfig) -> bool:
    """The instance's primary registration has a proxy_port: count HAProxy backends, not Mesos tasks."""
    return namespace_config.proxy_port is not None


def is_primary_registration(config: MarathonServiceConfig) -> bool:
    """SmartStack replication is only checked where the primary registration is ``service.instance``."""
    return config.get_registrations()[0] == f"{config.service}.{config.instance}"


def slaves_grouped_by_attribute(
    slaves: Iterable[Mapping[str, Any]],
    attribute: str,
    blacklist: Sequence[tuple[str, str]] = (),
) -> dict[str, list[Mapping[str, Any]]]:
    """Mesos agents (``/master/slaves`` entries) by their value of ``attribute``; blacklisted ones dropped."""
    grouped: dict[str, list[Mapping[str, Any]]] = {}
    for slave in slaves:
        attributes = slave.get("attributes") or {}
        if any(attributes.get(location_type) == value for location_type, value in blacklist):
            continue
        if attribute in attributes:
            grouped.setdefault(str(attributes[attribute]), []).append(slave)
    return grouped


def synapse_hosts_by_location(grouped: Mapping[str, Sequence[Mapping[str, Any]]]) -> dict[str, str]:
    """One agent host name per location, the first one, whose synapse is asked for backends."""
    return {location: str(slaves[0].get("hostname")) for location, slaves in grouped.items() if slaves}


def count_healthy_tasks(
    tasks: Iterable[MarathonTask],
    service: str,
    instance: str,
    now: datetime.datetime,
    min_task_uptime: float = DEFAULT_MIN_TASK_UPTIME_S,
) -> int:
    """Tasks of any app of service.instance that pass all their health checks (or have none), are not
    being killed, and started more than ``min_task_uptime`` seconds ago."""
    cutoff = now - datetime.timedelta(seconds=min_task_uptime)
    return sum(
        1
        for task in tasks
        if is_app_of_instance(task.app_id, service, instance)
        and task.started_at is not None
        and task.started_at < cutoff
        and is_task_running(task)
        and is_task_healthy(task, require_all=True, default_healthy=True)
    )


def smartstack_result(
    service: str,
    instance: str,
    cluster: str,
    expected_count: int,
    available_by_location: Mapping[str, int],
    crit_threshold: float,
) -> ReplicationResult:
    """Upstream's SmartStack verdict: one line per location, critical ones first, then the explanation."""
    full_name = f"{service}.{instance}"
    if not available_by_location:
        return ReplicationResult(
            CRITICAL,
            f"Service {full_name} has no Smartstack replication info. "
            "Make sure the discover key in your smartstack.yaml is valid!\n",
        )
    expected_per_location = int(expected_count / len(available_by_location))
    critical_lines, ok_lines = [], []
    for location, available in sorted(available_by_location.items()):
        under, ratio = is_under_replicated(available, expected_per_location, crit_threshold)
        line = (
            f"- Service {full_name} has {available} out of {expected_per_location} expected instances in "
            f"{location} ({'CRITICAL' if under else 'OK'}: {int(ratio)}%)\n"
        )
        (critical_lines if under else ok_lines).append(line)
    output = "".join(critical_lines)
    if critical_lines and ok_lines:
        output += "\n\nThe following locations are OK:\n"
    output += "".join(ok_lines)
    if not critical_lines:
        return ReplicationResult(OK, output)
    return ReplicationResult(
        CRITICAL, output + SMARTSTACK_EXPLANATION.format(service=service, instance=instance, cluster=cluster)
    )


def mesos_result(
    service: str,
    instance: str,
    cluster: str,
    num_available: int,
    expected_count: int,
    crit_threshold: float,
) -> ReplicationResult:
    """Upstream's verdict for instances outside SmartStack, from healthy Marathon tasks."""
    output = (
        f"Service {service}.{instance} has {num_available} out of {expected_count} expected instances available!\n"
        f"(threshold: {int(crit_threshold)}%)"
    )
    under, _ = is_under_replicated(num_available, expected_count, crit_threshold)
    if not under:
        return ReplicationResult(OK, output)
    return ReplicationResult(
        CRITICAL, output + MESOS_EXPLANATION.format(service=service, instance=instance, cluster=cluster)
    )


def replication_event_overrides(instance_monitoring: Mapping[str, Any], runbook: Any) -> dict[str, Any]:
    """The instance's monitoring dict with this check's cadence: alert_after 2m unless set, check_every 1m."""
    overrides = dict(instance_monitoring)
    overrides.setdefault("alert_after", "2m")
    overrides["check_every"] = "1m"
    overrides["runbook"] = runbook
    return overrides
