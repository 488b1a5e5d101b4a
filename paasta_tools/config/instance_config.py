"""The instance config shared by every instance type, with upstream's getters and defaults.

An instance config is the instance's dict from ``<type>-<cluster>.yaml`` merged over the
service-wide defaults, plus the instance's entry of deployments.json (``branch_dict``).
Everything here is pure: callers pass in whatever system-wide data a getter needs.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from paasta_tools.errors import InvalidInstanceConfig, NoDockerImageError
from paasta_tools.paths import DEFAULT_SOA_DIR

DEFAULT_CPUS = 0.25
DEFAULT_MEM = 1024
DEFAULT_DISK = 1024
DEFAULT_CFS_PERIOD_US = 100000
DEFAULT_CPU_BURST_PCT = 900
DEFAULT_NET = "bridge"
MESOS_NETWORKS = {"bridge": "BRIDGE", "host": "HOST", "none": "NONE"}  # ``net`` as Mesos/Marathon name it
DEFAULT_POOL = "default"


@dataclass(frozen=True)
class InstanceConfig:
    """One instance of a service in one cluster.

    ``config_dict`` is the merged config (instance keys over service.yaml defaults);
    ``branch_dict`` is the deployments.json entry (docker_image, desired_state,
    force_bounce) or None when deployments were not loaded.
    """

    instance_type: ClassVar[str] = "base"

    service: str
    cluster: str
    instance: str
    config_dict: Mapping[str, Any] = field(default_factory=dict)
    branch_dict: Mapping[str, Any] | None = None
    soa_dir: str = DEFAULT_SOA_DIR

    def _where(self, key: str) -> str:
        return f"{self.instance_type}-{self.cluster}.yaml, instance {self.instance!r}, key {key!r}"

    def _typed(self, key: str, default: Any, types: tuple[type, ...], what: str) -> Any:
        value = self.config_dict.get(key, default)
        if value is None and default is None:
            return None
        if isinstance(value, bool) or not isinstance(value, types):
            raise InvalidInstanceConfig(f"{self._where(key)}: {value!r} is not {what}")
        return value

    def _integer(self, key: str, default: int | None) -> Any:
        return self._typed(key, default, (int,), "an integer")

    def _number(self, key: str, default: float | None) -> Any:
        return self._typed(key, default, (int, float), "a number")

    def get(self, key: str, default: Any = None) -> Any:
        """The raw merged value of ``key``."""
        return self.config_dict.get(key, default)

    def get_service(self) -> str:
        return self.service

    def get_instance(self) -> str:
        return self.instance

    def get_cluster(self) -> str:
        return self.cluster

    def get_instance_type(self) -> str:
        return self.instance_type

    # --- resources -------------------------------------------------------------------------

    def get_cpus(self) -> float:
        """Mesos cpu shares (default 0.25)."""
        return self.config_dict.get("cpus", DEFAULT_CPUS)

    def get_mem(self) -> float:
        """Memory in MB (default 1024)."""
        return self.config_dict.get("mem", DEFAULT_MEM)

    def get_disk(self) -> float:
        """Disk in MB (default 1024)."""
        return self.config_dict.get("disk", DEFAULT_DISK)

    def get_mem_swap(self) -> str:
        """docker ``memory-swap``: ``ceil(mem)`` MB, so the container gets no swap."""
        return f"{int(math.ceil(self.get_mem()))}m"

    def get_cfs_period_us(self) -> int:
        return self._integer("cfs_period_us", DEFAULT_CFS_PERIOD_US)

    def get_cpu_burst_pct(self) -> int:
        return self._integer("cpu_burst_pct", DEFAULT_CPU_BURST_PCT)

    def get_cpu_quota(self) -> int:
        """docker ``cpu-quota``: ``cpus * cfs_period_us * (100 + cpu_burst_pct) / 100``."""
        return int(self.get_cpus() * self.get_cfs_period_us() * (100 + self.get_cpu_burst_pct()) / 100)

    def get_ulimit(self) -> list[dict[str, str]]:
        """``ulimit`` docker parameters sorted by name: ``<name>=<soft>[:<hard>]``."""
        ulimits = self.config_dict.get("ulimit") or {}
        if not isinstance(ulimits, Mapping):
            raise InvalidInstanceConfig(f"{self._where('ulimit')}: must be a mapping of name to {{soft, hard}}")
        params = []
        for name in sorted(ulimits):
            limits = ulimits[name]
            if not isinstance(limits, Mapping) or "soft" not in limits:
                raise InvalidInstanceConfig(f"{self._where('ulimit')}: ulimit {name!r} needs a 'soft' value")
            value = f"{name}={self._ulimit_value(name, limits['soft'])}"
            if limits.get("hard") is not None:
                value += f":{self._ulimit_value(name, limits['hard'])}"
            params.append({"key": "ulimit", "value": value})
        return params

    def _ulimit_value(self, name: str, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidInstanceConfig(f"{self._where('ulimit')}: ulimit {name!r} value {value!r} is not a number")
        return int(value)

    def get_cap_add(self) -> list[dict[str, str]]:
        """``cap-add`` docker parameters, in config order."""
        return [{"key": "cap-add", "value": cap} for cap in self.config_dict.get("cap_add") or []]

    def format_docker_parameters(self) -> list[dict[str, str]]:
        """Docker parameters: memory-swap, cpu-period, cpu-quota, ulimits, cap-add, then the two labels."""
        params = [
            {"key": "memory-swap", "value": self.get_mem_swap()},
            {"key": "cpu-period", "value": f"{self.get_cfs_period_us()}"},
            {"key": "cpu-quota", "value": f"{self.get_cpu_quota()}"},
        ]
        params.extend(self.get_ulimit())
        params.extend(self.get_cap_add())
        params.append({"key": "label", "value": f"paasta_service={self.service}"})
        params.append({"key": "label", "value": f"paasta_instance={self.instance}"})
        return params

    # --- command and environment -------------------------------------------------------------

    def get_cmd(self) -> Any:
        """The command string (run through ``/bin/sh -c``) or None."""
        return self.config_dict.get("cmd")

    def get_args(self) -> list[str] | None:
        """``args``: [] by default without cmd, None with cmd; both set is an error."""
        args = self.config_dict.get("args")
        if self.get_cmd() is None:
            return [] if args is None else args
        if args is None:
            return None
        raise InvalidInstanceConfig(f"{self._where('args')}: an instance can specify cmd or args, but not both")

    def get_env(self) -> dict[str, str]:
        """PAASTA_SERVICE/INSTANCE/CLUSTER/DOCKER_IMAGE overlaid by the user's ``env``."""
        env = {
            "PAASTA_SERVICE": self.service,
            "PAASTA_INSTANCE": self.instance,
            "PAASTA_CLUSTER": self.cluster,
            "PAASTA_DOCKER_IMAGE": self.get_docker_image(),
        }
        user_env = self.config_dict.get("env") or {}
        if not isinstance(user_env, Mapping):
            raise InvalidInstanceConfig(f"{self._where('env')}: must be a mapping of variable names to strings")
        env.update(user_env)
        return env

    get_env_dictionary = get_env

    def get_extra_volumes(self) -> list[dict[str, str]]:
        return list(self.config_dict.get("extra_volumes") or [])

    def get_volumes(self, system_volumes: Sequence[Mapping[str, str]]) -> list[dict[str, str]]:
        """System volumes plus extra_volumes, deduplicated on (containerPath, hostPath), sorted.

        An extra volume replaces a system volume with the same paths.
        """
        by_paths: dict[str, dict[str, str]] = {}
        for volume in list(system_volumes) + self.get_extra_volumes():
            key = str(volume.get("containerPath", "")).rstrip("/") + str(volume.get("hostPath", "")).rstrip("/")
            by_paths[key] = dict(volume)
        return sorted(by_paths.values(), key=lambda v: tuple(sorted((k, str(x)) for k, x in v.items())))

    def get_net(self) -> str:
        """Docker networking mode: bridge (default), host or none."""
        return self.config_dict.get("net", DEFAULT_NET)

    # --- deployments -------------------------------------------------------------------------

    def get_branch(self) -> str:
        """The control branch ``<cluster>.<instance>`` (or the legacy ``branch`` key)."""
        return self.config_dict.get("branch") or f"{self.cluster}.{self.instance}"

    def get_deploy_group(self) -> str:
        """``deploy_group`` with {cluster}/{instance}/{service} filled in; default the branch."""
        group = self.config_dict.get("deploy_group")
        if group is None:
            return self.get_branch()
        if not isinstance(group, str):
            raise InvalidInstanceConfig(f"{self._where('deploy_group')}: must be a string, not {group!r}")
        try:
            return group.format(cluster=self.cluster, instance=self.instance, service=self.service)
        except (AttributeError, KeyError, IndexError, ValueError) as exc:
            raise InvalidInstanceConfig(
                f"{self._where('deploy_group')}: {group!r} can only use {{cluster}}, {{instance}} and {{service}} "
                f"({exc!r} is not known)"
            ) from None

    def _branch_value(self, key: str, default: Any) -> Any:
        if self.branch_dict is None:
            return default
        return self.branch_dict.get(key, default)

    def get_docker_image(self) -> str:
        """The registry-relative image from deployments.json ('' when unknown)."""
        return self._branch_value("docker_image", "") or ""

    def get_docker_url(self, registry: str) -> str:
        """``<registry>/<docker_image>``; NoDockerImageError when deployments.json has no image."""
        image = self.get_docker_image()
        if not image:
            raise NoDockerImageError(
                f"Docker image for {self.service}.{self.instance} not in deployments.json. "
                "Exiting. Has Jenkins deployed it?"
            )
        return f"{registry}/{image}"

    def get_desired_state(self) -> str:
        """'start' or 'stop' from deployments.json (default 'start')."""
        return self._branch_value("desired_state", "start")

    def get_force_bounce(self) -> str | None:
        """The force_bounce timestamp from deployments.json, or None."""
        return self._branch_value("force_bounce", None)

    # --- placement ---------------------------------------------------------------------------

    def get_pool(self) -> str:
        return self.config_dict.get("pool", DEFAULT_POOL)

    def get_constraints(self) -> list[list[str]] | None:
        """The ``constraints`` key verbatim (None when not set: constraints are then computed)."""
        return self.config_dict.get("constraints")

    def get_extra_constraints(self) -> list[list[str]]:
        return [list(c) for c in self.config_dict.get("extra_constraints") or []]

    def get_deploy_blacklist(self, system_deploy_blacklist: Sequence[Sequence[str]] = ()) -> list[tuple[str, str]]:
        """Instance ``deploy_blacklist`` followed by the system-wide one, as (location_type, value) pairs."""
        entries = list(self.config_dict.get("deploy_blacklist") or []) + list(system_deploy_blacklist)
        for entry in entries:
            if not isinstance(entry, list | tuple) or len(entry) != 2:
                raise InvalidInstanceConfig(f"{self._where('deploy_blacklist')}: {entry!r} is not [type, value]")
        return [(entry[0], entry[1]) for entry in entries]

    def get_deploy_whitelist(
        self, system_deploy_whitelist: Sequence[Any] | None = None
    ) -> tuple[str, list[str]] | None:
        """The (location_type, [values]) whitelist of the instance, else the system one, else None."""
        whitelist = self.config_dict.get("deploy_whitelist") or system_deploy_whitelist
        if not whitelist:
            return None
        if len(whitelist) != 2 or not isinstance(whitelist[1], list | tuple):
            raise InvalidInstanceConfig(f"{self._where('deploy_whitelist')}: {whitelist!r} is not [type, [values]]")
        return (whitelist[0], list(whitelist[1]))

    def get_monitoring_blacklist(self, system_deploy_blacklist: Sequence[Sequence[str]] = ()) -> list[tuple[str, str]]:
        """``monitoring_blacklist`` plus the deploy blacklist: locations replication checks ignore."""
        entries = [tuple(e) for e in self.config_dict.get("monitoring_blacklist") or []]
        return entries + self.get_deploy_blacklist(system_deploy_blacklist)  # type: ignore[return-value]

    def get_deploy_constraints(
        self,
        system_deploy_blacklist: Sequence[Sequence[str]] = (),
        system_deploy_whitelist: Sequence[Any] | None = None,
    ) -> list[list[str]]:
        """Blacklist pairs as UNLIKE constraints, then the whitelist as one LIKE ``v1|v2`` constraint."""
        constraints = [[t, "UNLIKE", v] for t, v in self.get_deploy_blacklist(system_deploy_blacklist)]
        whitelist = self.get_deploy_whitelist(system_deploy_whitelist)
        if whitelist is not None:
            constraints.append([whitelist[0], "LIKE", "|".join(whitelist[1])])
        return constraints

    def get_calculated_constraints(
        self,
        system_deploy_blacklist: Sequence[Sequence[str]] = (),
        system_deploy_whitelist: Sequence[Any] | None = None,
        routing_constraints: Sequence[Sequence[str]] = (),
    ) -> list[list[str]]:
        """``constraints`` if set, else extra + routing + deploy + pool constraints, values stringified.

        A new list every call (upstream extended the config's list in place).
        """
        if self.get_constraints() is not None:
            return [list(c) for c in self.get_constraints() or []]
        constraints = self.get_extra_constraints()
        constraints += [list(c) for c in routing_constraints]
        constraints += self.get_deploy_constraints(system_deploy_blacklist, system_deploy_whitelist)
        constraints.append(["pool", "LIKE", self.get_pool()])
        return [[str(value) for value in c] for c in constraints]

    # --- monitoring --------------------------------------------------------------------------

    def get_monitoring(self) -> dict[str, Any]:
        """The ``monitoring`` dict (instance overrides merged over monitoring.yaml)."""
        return dict(self.config_dict.get("monitoring") or {})
