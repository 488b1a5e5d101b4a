"""list_marathon_service_instances --minimal: the instances whose Marathon apps differ from soa-configs."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from paasta_tools.clients import marathon_client
from paasta_tools.marathon.app_dict import app_system_config_from
from paasta_tools.marathon.bounce_plan import instances_needing_bounce as plan_instances_needing_bounce
from paasta_tools.operations.locks import ZkLocks
from paasta_tools.operations.marathon_reconcile import draining_hosts
from paasta_tools.operations.marathon_targets import load_service_targets


def desired_app_instances(
    system_config: Any, soa_dir: str, cluster: str, instances: Iterable[tuple[str, str]], locks: ZkLocks
) -> dict[str, int]:
    """``{desired app id: desired instances}`` of every instance that has a deployment and valid config."""
    app_system = app_system_config_from(system_config)
    by_service: dict[str, list[str]] = {}
    for service, instance in instances:
        by_service.setdefault(service, []).append(instance)
    desired: dict[str, int] = {}
    for service, names in by_service.items():
        for target in load_service_targets(service, soa_dir, cluster, app_system, names, locks.autoscaled_instances):
            if target.app_dict is not None:
                desired[target.app_dict["id"]] = target.app_dict["instances"]
    return desired


def instances_needing_bounce(
    system_config: Any, soa_dir: str, cluster: str, instances: Iterable[tuple[str, str]]
) -> list[str]:
    """Sorted ``service.instance`` names needing a bounce (one app listing, tasks embedded)."""
    client = marathon_client.get_marathon_client_from_config(system_config.get_marathon_config())
    with ZkLocks(system_config.get("zookeeper") or "") as locks:
        desired = desired_app_instances(system_config, soa_dir, cluster, instances, locks)
    apps = marathon_client.list_apps(client, embed_tasks=True)
    return plan_instances_needing_bounce(desired, apps, draining_hosts(system_config))
