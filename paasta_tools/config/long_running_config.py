"""Getters shared by long-running (Marathon) instances: instances, registrations, health, bounce, drain."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from paasta_tools.config.instance_config import InstanceConfig
from paasta_tools.config.smartstack import ServiceNamespaceConfig
from paasta_tools.errors import InvalidHealthcheckModeError, InvalidInstanceConfig

HEALTHCHECK_MODES = ("http", "tcp", "cmd")
DEFAULT_BOUNCE_METHOD = "crossover"


@dataclass(frozen=True)
class LongRunningServiceConfig(InstanceConfig):
    """An instance meant to run continuously behind a load balancer."""

    # --- instance counts ---------------------------------------------------------------------

    def get_min_instances(self) -> int:
        return self._integer("min_instances", 1)

    def get_max_instances(self) -> int | None:
        return self._integer("max_instances", None)

    def limit_instance_count(self, instances: int) -> int:
        """Clamp an autoscaled count into [min_instances, max_instances]."""
        max_instances = self.get_max_instances()
        if max_instances is None:
            return instances
        return max(self.get_min_instances(), min(max_instances, instances))

    def get_instances(self, autoscaled_instances: int | None = None) -> int:
        """Configured instance count.

        With ``max_instances`` set the count comes from the autoscaler: ``autoscaled_instances``
        (read from ZooKeeper by the caller) clamped to [min, max], or max_instances when absent.
        """
        max_instances = self.get_max_instances()
        if max_instances is not None:
            if autoscaled_instances is None:
                return max_instances
            return self.limit_instance_count(autoscaled_instances)
        return self._integer("instances", 1)

    def get_desired_instances(self, autoscaled_instances: int | None = None) -> int:
        """Instances to run now: 0 when deployments.json says stop, else :meth:`get_instances`."""
        if self.get_desired_state() == "stop":
            return 0
        return self.get_instances(autoscaled_instances)

    # --- smartstack registration -------------------------------------------------------------

    def get_registrations(self) -> list[str]:
        """``service.namespace`` registrations; default ``[<service>.<nerve_ns or instance>]``."""
        registrations = self.config_dict.get("registrations")
        if registrations:
            for registration in registrations:
                if not isinstance(registration, str) or len(registration.split(".")) != 2:
                    raise InvalidInstanceConfig(
                        f"{self._where('registrations')}: {registration!r} is not of the form service.namespace"
                    )
            return list(registrations)
        namespace = self.config_dict.get("nerve_ns", self.instance)
        return [f"{self.service}.{namespace}"]

    def get_nerve_namespace(self) -> str:
        """The namespace of the first registration."""
        return self.get_registrations()[0].split(".")[1]

    # --- health checks -----------------------------------------------------------------------

    def get_healthcheck_mode(self, service_namespace_config: ServiceNamespaceConfig) -> str | None:
        """``healthcheck_mode``, else the smartstack namespace's mode (http when it has a proxy_port)."""
        mode = self.config_dict.get("healthcheck_mode")
        if mode is None:
            return service_namespace_config.get_mode()
        if mode not in HEALTHCHECK_MODES:
            raise InvalidHealthcheckModeError(
                f"{self._where('healthcheck_mode')}: unknown mode {mode!r}; must be one of http, tcp, cmd"
            )
        return mode

    def get_healthcheck_uri(self, service_namespace_config: ServiceNamespaceConfig) -> str:
        return self.config_dict.get("healthcheck_uri", service_namespace_config.get_healthcheck_uri())

    def get_healthcheck_cmd(self) -> str:
        return self.config_dict.get("healthcheck_cmd", "/bin/true")

    def get_healthcheck_grace_period_seconds(self) -> float:
        return self._number("healthcheck_grace_period_seconds", 60)

    def get_healthcheck_interval_seconds(self) -> float:
        return self._number("healthcheck_interval_seconds", 10)

    def get_healthcheck_timeout_seconds(self) -> float:
        return self._number("healthcheck_timeout_seconds", 10)

    def get_healthcheck_max_consecutive_failures(self) -> int:
        return self._integer("healthcheck_max_consecutive_failures", 30)

    # --- bounce and drain --------------------------------------------------------------------

    def get_bounce_method(self) -> str:
        return self.config_dict.get("bounce_method", DEFAULT_BOUNCE_METHOD)

    def get_bounce_health_params(self, service_namespace_config: ServiceNamespaceConfig) -> dict[str, Any]:
        """kwargs for the happy-task check: ``{'check_haproxy': True}`` in smartstack, else {}."""
        default = {"check_haproxy": True} if service_namespace_config.is_in_smartstack() else {}
        return dict(self.config_dict.get("bounce_health_params", default))

    def get_bounce_margin_factor(self) -> float:
        return self._number("bounce_margin_factor", 1.0)

    def get_drain_method(self, service_namespace_config: ServiceNamespaceConfig) -> str:
        """``drain_method``; default hacheck in smartstack, else noop."""
        default = "hacheck" if service_namespace_config.is_in_smartstack() else "noop"
        return self.config_dict.get("drain_method", default)

    def get_drain_method_params(self, service_namespace_config: ServiceNamespaceConfig) -> dict[str, Any]:
        """``drain_method_params``; default ``{'delay': 60}`` in smartstack, else {}."""
        default = {"delay": 60} if service_namespace_config.is_in_smartstack() else {}
        return dict(self.config_dict.get("drain_method_params", default))

    def get_replication_threshold(self) -> int:
        """Percent of expected instances below which replication is critical (50)."""
        return self._integer("replication_threshold", 50)
