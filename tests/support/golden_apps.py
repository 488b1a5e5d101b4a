"""The golden app-dict cases of tests/fixtures/app_dicts: each names an instance config, its smartstack
namespace and the system values, and the app dict they must build."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from paasta_tools.config.marathon_config import MarathonServiceConfig
from paasta_tools.config.smartstack import namespace_config_from_dict
from paasta_tools.marathon.app_dict import AppSystemConfig, format_marathon_app_dict

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "app_dicts"


def load_case(name: str) -> dict[str, Any]:
    """The case ``<name>.json`` as a dict."""
    return json.loads((FIXTURES / f"{name}.json").read_text())


def build_app(case: dict[str, Any]) -> dict[str, Any]:
    """The app dict ``format_marathon_app_dict`` builds for ``case``."""
    config = MarathonServiceConfig(
        service=case["service"],
        cluster=case["cluster"],
        instance=case["instance"],
        config_dict=case["config_dict"],
        branch_dict=case["branch_dict"],
    )
    namespace = namespace_config_from_dict(case["instance"], case["namespace"], "smartstack.yaml")
    system = AppSystemConfig(**case["system"])
    return format_marathon_app_dict(config, system, namespace, autoscaled_instances=case.get("autoscaled_instances"))
