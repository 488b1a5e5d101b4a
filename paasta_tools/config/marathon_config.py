"""Marathon instances: ``marathon-<cluster>.yaml``."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from paasta_tools.config.instance_config import DEFAULT_CPUS, DEFAULT_DISK, DEFAULT_MEM
from paasta_tools.config.long_running_config import LongRunningServiceConfig
from paasta_tools.config.merge import deep_merge
from paasta_tools.config.smartstack import ServiceNamespaceConfig
from paasta_tools.errors import InvalidInstanceConfig, NoSlavesAvailableError

DEFAULT_AUTOSCALING_PARAMS = {"metrics_provider": "mesos_cpu", "decision_policy": "pid", "setpoint": 0.8}


def filter_slaves_by_placement(
    slaves: Sequence[Mapping[str, Any]],
    blacklist: Sequence[tuple[str, str]],
    whitelist: tuple[str, list[str]] | None,
) -> list[Mapping[str, Any]]:
    """Agents (``{'attributes': {...}}``) allowed by the deploy blacklist and whitelist."""
    allowed = []
    for slave in slaves:
        attributes = slave.get("attributes", {})
        if any(attributes.get(loc_type) == value for loc_type, value in blacklist):
            continue
        if whitelist is not None and attributes.get(whitelist[0]) not in whitelist[1]:
            continue
        allowed.append(slave)
    return allowed


@dataclass(frozen=True)
class MarathonServiceConfig(LongRunningServiceConfig):
    """A Marathon instance; cpus, mem and disk are floats as Marathon stores them."""

    instance_type: ClassVar[str] = "marathon"

    def _float(self, key: str, default: float) -> float:
        value = self.config_dict.get(key, default)
        try:
            return float(value)
        except (TypeError, ValueError):
            raise InvalidInstanceConfig(f"{self._where(key)}: {value!r} is not a number") from None

    def get_cpus(self) -> float:
        return self._float("cpus", DEFAULT_CPUS)

    def get_mem(self) -> float:
        return self._float("mem", DEFAULT_MEM)

    def get_disk(self) -> float:
        return self._float("disk", DEFAULT_DISK)

    def get_backoff_factor(self) -> int:
        return self._integer("backoff_factor", 2)

    def get_max_launch_delay_seconds(self) -> int:
        return self._integer("max_launch_delay_seconds", 300)

    def get_backoff_seconds(self) -> int:
        """``ceil(10 / N)``, N the configured instances (max_instances when set); N = 0 gives 1.

        Uses the configured count, not the desired one, so stopping an instance keeps it.
        """
        max_instances = self.get_max_instances()
        instances = max_instances if max_instances is not None else self._integer("instances", 1)
        if not instances:
            return 1
        return int(math.ceil(10.0 / instances))

    def get_accepted_resource_roles(self) -> list[str] | None:
        return self.config_dict.get("accepted_resource_roles")

    def get_host_port(self) -> int:
        """The host port to map 8888 to (0: Marathon picks one)."""
        return self._integer("host_port", 0)

    def get_autoscaling_params(self) -> dict[str, Any]:
        """``autoscaling`` merged over mesos_cpu / pid / setpoint 0.8."""
        return deep_merge(self.config_dict.get("autoscaling") or {}, DEFAULT_AUTOSCALING_PARAMS)

    def get_routing_constraints(
        self,
        service_namespace_config: ServiceNamespaceConfig,
        expected_slave_attributes: Sequence[Mapping[str, Any]],
        system_deploy_blacklist: Sequence[Sequence[str]] = (),
        system_deploy_whitelist: Sequence[Any] | None = None,
    ) -> list[list[str]]:
        """``[[<discover>, 'GROUP_BY', '<distinct values>']]`` over the expected agents allowed here.

        NoSlavesAvailableError when the black/whitelist leaves no agent.
        """
        discover = service_namespace_config.get_discover()
        slaves = [{"attributes": dict(attributes)} for attributes in expected_slave_attributes]
        allowed = filter_slaves_by_placement(
            slaves,
            self.get_deploy_blacklist(system_deploy_blacklist),
            self.get_deploy_whitelist(system_deploy_whitelist),
        )
        if not allowed:
            raise NoSlavesAvailableError(
                f"No agents could be found for {self.service}.{self.instance} in cluster {self.cluster}: "
                "the deploy_blacklist/deploy_whitelist exclude every agent of expected_slave_attributes"
            )
        values = {s["attributes"][discover] for s in allowed if discover in s["attributes"]}
        return [[discover, "GROUP_BY", str(len(values))]]

    def get_marathon_constraints(
        self,
        service_namespace_config: ServiceNamespaceConfig,
        expected_slave_attributes: Sequence[Mapping[str, Any]] | None = None,
        system_deploy_blacklist: Sequence[Sequence[str]] = (),
        system_deploy_whitelist: Sequence[Any] | None = None,
    ) -> list[list[str]]:
        """The app's constraints (§ constraints): verbatim, or extra + routing + deploy + pool."""
        routing: list[list[str]] = []
        if self.get_constraints() is None and expected_slave_attributes:
            routing = self.get_routing_constraints(
                service_namespace_config, expected_slave_attributes, system_deploy_blacklist, system_deploy_whitelist
            )
        return self.get_calculated_constraints(system_deploy_blacklist, system_deploy_whitelist, routing)
