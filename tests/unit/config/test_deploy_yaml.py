from __future__ import annotations

import pytest

from paasta_tools.config.deploy_yaml import PipelineStep, get_pipeline, get_pipeline_deploy_groups, is_deploy_step
from paasta_tools.errors import ConfigError


@pytest.mark.parametrize(
    ("step", "expected"),
    [
        ("itest", False),
        ("security-check", False),
        ("performance-check", False),
        ("push-to-registry", False),
        ("command-thing", False),
        ("prod.everything", True),
        ("norcal-devc.main", True),
    ],
)
def test_is_deploy_step(step, expected):
    assert is_deploy_step(step) is expected


def test_pipeline_and_deploy_groups():
    deploy = {
        "pipeline": [
            {"step": "itest"},
            {"step": "push-to-registry"},
            {"step": "dev.everything", "trigger_next_step_manually": True},
            {"step": "command-notify"},
            {"step": "prod.everything"},
        ]
    }
    assert get_pipeline(deploy)[2] == PipelineStep("dev.everything", True)
    assert get_pipeline_deploy_groups(deploy) == ["dev.everything", "prod.everything"]


def test_missing_pipeline_is_empty():
    assert get_pipeline({}) == []


def test_malformed_pipeline_names_the_file_and_entry():
    with pytest.raises(ConfigError, match="x/deploy.yaml: pipeline entry 2 must be a mapping"):
        get_pipeline({"pipeline": [{"step": "a"}, "b"]}, "x/deploy.yaml")
    with pytest.raises(ConfigError, match="'pipeline' must be a list"):
        get_pipeline({"pipeline": "itest"})
