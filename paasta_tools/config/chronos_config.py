"""Chronos jobs: ``chronos-<cluster>.yaml``.  cpus, mem and disk keep their YAML types."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from paasta_tools.config.instance_config import InstanceConfig
from paasta_tools.errors import InvalidInstanceConfig

DEFAULT_EPSILON = "PT60S"
DEFAULT_RETRIES = 2


@dataclass(frozen=True)
class ChronosJobConfig(InstanceConfig):
    """A scheduled (or dependent) batch job run by Chronos."""

    instance_type: ClassVar[str] = "chronos"

    def get_schedule(self) -> str | None:
        """ISO8601 repeating interval or 5-field cron string; None for a dependent job."""
        return self.config_dict.get("schedule")

    def get_schedule_time_zone(self) -> str | None:
        return self.config_dict.get("schedule_time_zone")

    def get_parents(self) -> list[str] | None:
        """``parents`` as a list of ``service.instance`` (a single string becomes a list), or None."""
        parents = self.config_dict.get("parents")
        if parents is None:
            return None
        if isinstance(parents, str):
            return [parents]
        if not isinstance(parents, list):
            raise InvalidInstanceConfig(f"{self._where('parents')}: must be a list of service.instance names")
        return list(parents)

    def get_epsilon(self) -> str:
        return self.config_dict.get("epsilon", DEFAULT_EPSILON)

    def get_retries(self) -> int:
        """``retries`` as written (validation reports a non-integer)."""
        return self.config_dict.get("retries", DEFAULT_RETRIES)

    def get_disabled(self) -> bool:
        """The soa-configs ``disabled`` key (a stopped job is disabled too, see :meth:`is_disabled`)."""
        return self.config_dict.get("disabled", False)

    def is_disabled(self) -> bool:
        """True when ``disabled`` is set or deployments.json says stop."""
        return bool(self.get_disabled()) or self.get_desired_state() == "stop"

    def get_bounce_method(self) -> str:
        return self.config_dict.get("bounce_method", "graceful")

    def get_shell(self) -> bool:
        """Chronos ``shell``: true unless the job has non-empty ``args``."""
        return not self.get_args()
