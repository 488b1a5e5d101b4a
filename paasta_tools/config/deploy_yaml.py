"""deploy.yaml: the service's deployment pipeline."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from paasta_tools.errors import ConfigError

NON_DEPLOY_STEPS = ("itest", "security-check", "performance-check", "push-to-registry")


@dataclass(frozen=True)
class PipelineStep:
    """One ``pipeline`` entry of deploy.yaml."""

    step: str
    trigger_next_step_manually: bool = False

    @property
    def is_deploy_step(self) -> bool:
        return is_deploy_step(self.step)


def is_deploy_step(step: str) -> bool:
    """True for steps naming a deploy group (not itest/security-check/... nor ``command-*``)."""
    return step not in NON_DEPLOY_STEPS and not step.startswith("command-")


def get_pipeline(deploy_yaml: Mapping[str, Any], where: str = "deploy.yaml") -> list[PipelineStep]:
    """The pipeline steps of a parsed deploy.yaml ([] when there is none)."""
    pipeline = deploy_yaml.get("pipeline") or []
    if not isinstance(pipeline, list):
        raise ConfigError(f"{where}: 'pipeline' must be a list of steps")
    steps = []
    for index, entry in enumerate(pipeline):
        if not isinstance(entry, Mapping) or not isinstance(entry.get("step"), str):
            raise ConfigError(f"{where}: pipeline entry {index + 1} must be a mapping with a 'step' name")
        steps.append(PipelineStep(entry["step"], bool(entry.get("trigger_next_step_manually", False))))
    return steps


def get_pipeline_deploy_groups(deploy_yaml: Mapping[str, Any], where: str = "deploy.yaml") -> list[str]:
    """Deploy groups named by the pipeline, in pipeline order."""
    return [s.step for s in get_pipeline(deploy_yaml, where) if s.is_deploy_step]
