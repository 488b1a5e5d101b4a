"""Golden app dicts: hand-checked expected dicts, ids computed independently from the documented rule."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from paasta_tools.config.marathon_config import MarathonServiceConfig
from paasta_tools.config.smartstack import namespace_config_from_dict
from paasta_tools.errors import InvalidHealthcheckModeError, InvalidInstanceConfig, NoDockerImageError
from paasta_tools.marathon.app_dict import (
    AppSystemConfig,
    app_system_config_from,
    format_marathon_app_dict,
    marathon_app_body,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "app_dicts"
CASES = sorted(p.stem for p in FIXTURES.glob("*.json"))

# Literal ids, pinned: a change here means every running app would bounce.
PINNED_IDS = {
    "minimal": "my--service.main.gitabcdef01.config3dc12148",
    "smartstack_http": "web.canary--1.git01234567.config6d980025",
    "host_net_cmd_check_stopped": "batchy.worker.gitfedcba98.config75d568f0",
    "routing_tcp": "db--proxy.main.git11111111.config8e289c91",
}


def _load(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def _build(case: dict[str, Any]) -> dict[str, Any]:
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


def _documented_id(case: dict[str, Any]) -> str:
    """The id from §0.1/§4.2, written out independently of paasta_tools."""
    expected = copy.deepcopy(case["expected"])
    for key in ("instances", "backoff_seconds", "min_instances", "max_instances"):
        expected.pop(key, None)
    docker = expected["container"]["docker"]
    docker["parameters"] = [p for p in docker["parameters"] if p["key"] != "label"]
    text = json.dumps(expected, sort_keys=True) + (case["branch_dict"]["force_bounce"] or "")
    config_hash = hashlib.md5(text.encode()).hexdigest()[:8]
    sha = case["branch_dict"]["docker_image"].split("-")[-1][:8]
    return "{}.{}.git{}.config{}".format(
        case["service"].replace("_", "--"), case["instance"].replace("_", "--"), sha, config_hash
    )


@pytest.mark.parametrize("name", CASES)
def test_golden_app_dict(name: str) -> None:
    case = _load(name)
    built = _build(case)
    expected_id = _documented_id(case)
    assert expected_id == PINNED_IDS[name]
    assert built == {**case["expected"], "id": expected_id}
    # key order as upstream builds it: id last, labels last among docker parameters
    assert list(built)[-1] == "id"
    assert built["container"]["docker"]["parameters"][-2]["key"] == "label"


@pytest.mark.parametrize("name", CASES)
def test_building_twice_gives_the_same_dict(name: str) -> None:
    case = _load(name)
    assert _build(case) == _build(case)
    assert case["config_dict"].get("extra_constraints", []) == _load(name)["config_dict"].get("extra_constraints", [])


def test_scaling_and_labels_do_not_change_the_id_but_config_does() -> None:
    case = _load("minimal")
    base_id = _build(case)["id"]
    scaled = copy.deepcopy(case)
    scaled["config_dict"]["instances"] = 7
    assert _build(scaled)["id"] == base_id
    assert _build(scaled)["instances"] == 7
    renamed = copy.deepcopy(case)
    renamed["config_dict"]["mem"] = 2048
    assert _build(renamed)["id"] != base_id
    bounced = copy.deepcopy(case)
    bounced["branch_dict"]["force_bounce"] = "20170315T102030"
    assert _build(bounced)["id"].split(".config")[0] == base_id.split(".config")[0]
    assert _build(bounced)["id"] != base_id


def test_missing_image_and_bad_values_are_clear_errors() -> None:
    case = _load("minimal")
    no_image = copy.deepcopy(case)
    no_image["branch_dict"]["docker_image"] = ""
    with pytest.raises(NoDockerImageError, match="my_service.main"):
        _build(no_image)
    bad_net = copy.deepcopy(case)
    bad_net["config_dict"]["net"] = "overlay"
    with pytest.raises(InvalidInstanceConfig, match="'net'"):
        _build(bad_net)
    https = copy.deepcopy(case)
    https["namespace"] = {"proxy_port": 20000, "mode": "https"}
    with pytest.raises(InvalidHealthcheckModeError, match="https"):
        _build(https)


def test_post_body_is_camel_case_and_minimal() -> None:
    body = marathon_app_body(_build(_load("host_net_cmd_check_stopped")))
    assert body["backoffSeconds"] == 2 and body["maxLaunchDelaySeconds"] == 120
    assert body["portDefinitions"] == [{"port": 8080, "protocol": "tcp"}] and body["requirePorts"] is True
    assert body["acceptedResourceRoles"] == ["slave_public"]
    assert body["instances"] == 0
    assert "cmd" not in body and "volumes" not in body["container"]
    assert body["container"]["docker"]["privileged"] is False
    assert "health_checks" not in body and body["healthChecks"][0]["protocol"] == "COMMAND"


def test_system_values_from_the_system_config() -> None:
    from paasta_tools.system_config import SystemPaastaConfig

    system = SystemPaastaConfig(
        config_dict={
            "docker_registry": "localhost:5000",
            "volumes": [{"containerPath": "/a", "hostPath": "/a", "mode": "RO"}],
            "deploy_blacklist": [["region", "r9"]],
            "expected_slave_attributes": [{"region": "r1"}],
        }
    )
    values = app_system_config_from(system)
    assert values.docker_registry == "localhost:5000"
    assert values.dockercfg_location == "file:///root/.dockercfg"
    assert values.deploy_blacklist == (["region", "r9"],)
    assert values.expected_slave_attributes == [{"region": "r1"}]
    assert values.volumes == ({"containerPath": "/a", "hostPath": "/a", "mode": "RO"},)


def test_constraints_given_verbatim_skip_routing_pool_and_stringifying() -> None:
    case = _load("routing_tcp")
    case["config_dict"]["constraints"] = [["hostname", "MAX_PER", 2]]
    built = _build(case)
    assert built["constraints"] == [["hostname", "MAX_PER", 2]]
    assert built["id"] != _build(_load("routing_tcp"))["id"]


def test_blacklist_leaving_no_agent_is_an_error() -> None:
    from paasta_tools.errors import NoSlavesAvailableError

    case = _load("routing_tcp")
    case["config_dict"]["deploy_whitelist"] = ["region", ["r9"]]
    with pytest.raises(NoSlavesAvailableError, match="db_proxy.main"):
        _build(case)
