"""Pure checks of the PaaSTA contract used by ``paasta check``.

deploy.yaml steps against the deploy groups instances use, Makefile contents and
smartstack ports.  Callers read the files and run the processes; these functions
only look at the data.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from paasta_tools.config.validation_format import did_you_mean

_DOCKER_TAG_RE = re.compile(r"^\s*DOCKER_TAG\s*\?=", re.MULTILINE)


@dataclass(frozen=True)
class DeployGroupComparison:
    """How deploy.yaml's deploy steps and the instances' deploy groups differ.

    ``not_in_pipeline`` maps an instance type to the groups its instances use that deploy.yaml
    lacks; ``unused_steps`` are deploy steps no instance uses; ``hints`` maps either kind of
    group to a ``(did you mean ...)`` suffix (empty when nothing is close).
    """

    used: Mapping[str, tuple[str, ...]]
    not_in_pipeline: Mapping[str, tuple[str, ...]]
    unused_steps: tuple[str, ...]
    hints: Mapping[str, str] = field(default_factory=dict)

    @property
    def consistent(self) -> bool:
        return not self.unused_steps and not any(self.not_in_pipeline.values())


def compare_deploy_groups(
    pipeline_groups: Sequence[str], used_by_type: Mapping[str, Sequence[str]]
) -> DeployGroupComparison:
    """Compare deploy.yaml's deploy steps with the groups used per instance type (both directions)."""
    pipeline = list(dict.fromkeys(pipeline_groups))
    used = {kind: tuple(dict.fromkeys(groups)) for kind, groups in used_by_type.items()}
    all_used = [g for groups in used.values() for g in groups]
    missing = {kind: tuple(g for g in groups if g not in pipeline) for kind, groups in used.items()}
    unused = tuple(g for g in pipeline if g not in all_used)
    hints: dict[str, str] = {}
    for groups in missing.values():
        for group in groups:
            hints[group] = did_you_mean(group, unused or pipeline)
    for group in unused:
        hints[group] = did_you_mean(group, [g for gs in missing.values() for g in gs] or all_used)
    return DeployGroupComparison(used=used, not_in_pipeline=missing, unused_steps=unused, hints=hints)


def makefile_has_a_tab(text: str) -> bool:
    """True when the Makefile text holds a tab (recipes need one; pasted spaces do not work)."""
    return "\t" in text


def makefile_has_docker_tag(text: str) -> bool:
    """True when the Makefile sets an overridable default ``DOCKER_TAG ?= ...``."""
    return _DOCKER_TAG_RE.search(text) is not None


def smartstack_ports(smartstack: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """``(namespace, proxy_port or None)`` for every namespace of a parsed smartstack.yaml."""
    ports = []
    for namespace, config in smartstack.items():
        port = config.get("proxy_port") if isinstance(config, Mapping) else None
        ports.append((str(namespace), port))
    return ports
