"""``GET|POST /v1/services/{service}/{instance}/autoscaler``: the instance count the autoscaler keeps in
ZooKeeper (``/autoscaling/<service>/<instance>/instances``), the node setup_marathon_job reads for
instances with ``max_instances``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from paasta_tools.api.instance import HTTP_BAD_REQUEST, HTTP_NOT_FOUND, ApiSettings
from paasta_tools.errors import PaastaApiError

SUCCESS = "SUCCESS"


def _marathon_config(settings: ApiSettings, service: str, instance: str) -> Any:
    from paasta_tools.config.loader import load_instance_config

    config = load_instance_config(service, instance, settings.cluster, settings.soa_dir, load_deployments=False)
    if config.instance_type != "marathon":
        raise PaastaApiError(
            f"{service}.{instance} is a {config.instance_type} instance: only marathon instances autoscale",
            HTTP_NOT_FOUND,
        )
    return config


def clamp_desired_instances(desired: int, min_instances: int, max_instances: int) -> tuple[int, str]:
    """``desired`` kept within [min, max], and upstream's status text (SUCCESS or the WARNING saying why)."""
    if desired > max_instances:
        return max_instances, f"WARNING desired_instances is greater than max_instances {max_instances}"
    if desired < min_instances:
        return min_instances, f"WARNING desired_instances is less than min_instances {min_instances}"
    return desired, SUCCESS


def desired_instances_of(body: Any) -> int:
    """``desired_instances`` of a POST body; 400 naming the field when it is missing or not an integer."""
    value = body.get("desired_instances") if isinstance(body, Mapping) else None
    if isinstance(value, bool) or not isinstance(value, int):
        raise PaastaApiError(
            f"the request body must be a JSON object with an integer desired_instances, got {body!r}",
            HTTP_BAD_REQUEST,
        )
    return value


def get_autoscaler_count(settings: ApiSettings, service: str, instance: str) -> dict[str, Any]:
    """``{"desired_instances": n}``: the instance count setup_marathon_job uses (ZooKeeper's, clamped)."""
    from paasta_tools.clients import zookeeper

    config = _marathon_config(settings, service, instance)
    stored = None
    if config.get_max_instances() is not None:
        with zookeeper.zk_connection(settings.system.get_zk_hosts()) as client:
            stored = zookeeper.read_autoscaled_instances(client, service, instance)
    return {"desired_instances": config.get_instances(stored)}


def update_autoscaler_count(settings: ApiSettings, service: str, instance: str, body: Any) -> dict[str, Any]:
    """Store ``desired_instances`` for the autoscaler; answer it clamped to [min_instances, max_instances].

    As upstream, ZooKeeper keeps the number asked for: its readers clamp it to the limits of the moment.
    """
    from paasta_tools.clients import zookeeper

    requested = desired_instances_of(body)
    config = _marathon_config(settings, service, instance)
    max_instances = config.get_max_instances()
    if max_instances is None:
        raise PaastaApiError(
            f"{service}.{instance} has no max_instances in marathon-{settings.cluster}.yaml: it does not autoscale",
            HTTP_NOT_FOUND,
        )
    desired, status = clamp_desired_instances(requested, config.get_min_instances(), max_instances)
    with zookeeper.zk_connection(settings.system.get_zk_hosts()) as client:
        zookeeper.write_autoscaled_instances(client, service, instance, requested)
    return {"desired_instances": desired, "status": status}
