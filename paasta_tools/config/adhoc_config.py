"""Ad-hoc jobs: ``adhoc-<cluster>.yaml``, run by ``paasta local-run`` / ``remote-run``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from paasta_tools.config.instance_config import InstanceConfig

INTERACTIVE_INSTANCE = "interactive"
# The ``interactive`` instance gets a roomier default box; config values still win.
INTERACTIVE_DEFAULTS = {"cpus": 4, "mem": 10240, "disk": 1024}


@dataclass(frozen=True)
class AdhocJobConfig(InstanceConfig):
    """An ad-hoc (one-off) job."""

    instance_type: ClassVar[str] = "adhoc"

    def is_interactive(self) -> bool:
        return self.instance == INTERACTIVE_INSTANCE

    def _resource(self, key: str, default: float) -> float:
        if self.is_interactive():
            default = INTERACTIVE_DEFAULTS[key]
        return self.config_dict.get(key, default)

    def get_cpus(self) -> float:
        return self._resource("cpus", super().get_cpus())

    def get_mem(self) -> float:
        return self._resource("mem", super().get_mem())

    def get_disk(self) -> float:
        return self._resource("disk", super().get_disk())
