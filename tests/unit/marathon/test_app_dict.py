"""Golden app dicts: hand-checked expected dicts, ids computed independently from the documented rule."""

from __future__ import annotations

import copy
import hashlib
import json
from typing import Any

import pytest

from paasta_tools.errors import InvalidHealthcheckModeError, InvalidInstanceConfig, NoDockerImageError
from paasta_tools.marathon.app_dict import (
    app_system_config_from,
    marathon_app_body,
)
from tests.support.golden_apps import FIXTURES, build_app, load_case

CASES = sorted(p.stem for p in FIXTURES.glob("*.json"))

# Literal ids, pinned: a change here means every running app would bounce.
PINNED_IDS = {
    "minimal": "my--service.main.gitabcdef01.config3dc12148",
    "smartstack_http": "web.canary--1.git01234567.config6d980025",
    "host_net_cmd_check_stopped": "batchy.worker.gitfedcba98.config75d568f0",
    "routing_tcp": "db--proxy.main.git11111111.config8e289c91",
}


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
    case = load_case(name)
    built = build_app(case)
    expected_id = _documented_id(case)
    assert expected_id == PINNED_IDS[name]
    assert built == {**case["expected"], "id": expected_id}
    # key order as upstream builds it: id last, labels last among docker parameters
    assert list(built)[-1] == "id"
    assert built["container"]["docker"]["parameters"][-2]["key"] == "label"


@pytest.mark.parametrize("name", CASES)
def test_building_twice_gives_the_same_dict(name: str) -> None:
    case = load_case(name)
    assert build_app(case) == build_app(case)
    assert case["config_dict"].get("extra_constraints", []) == load_case(name)["config_dict"].get(
        "extra_constraints", []
    )


def test_scaling_and_labels_do_not_change_the_id_but_config_does() -> None:
    case = load_case("minimal")
    base_id = build_app(case)["id"]
    scaled = copy.deepcopy(case)
    scaled["config_dict"]["instances"] = 7
    assert build_app(scaled)["id"] == base_id
    assert build_app(scaled)["instances"] == 7
    renamed = copy.deepcopy(case)
    renamed["config_dict"]["mem"] = 2048
    assert build_app(renamed)["id"] != base_id
    bounced = copy.deepcopy(case)
    bounced["branch_dict"]["force_bounce"] = "20170315T102030"
    assert build_app(bounced)["id"].split(".config")[0] == base_id.split(".config")[0]
    assert build_app(bounced)["id"] != base_id


def test_missing_image_and_bad_values_are_clear_errors() -> None:
    case = load_case("minimal")
    no_image = copy.deepcopy(case)
    no_image["branch_dict"]["docker_image"] = ""
    with pytest.raises(NoDockerImageError, match="my_service.main"):
        build_app(no_image)
    bad_net = copy.deepcopy(case)
    bad_net["config_dict"]["net"] = "overlay"
    with pytest.raises(InvalidInstanceConfig, match="'net'"):
        build_app(bad_net)
    https = copy.deepcopy(case)
    https["namespace"] = {"proxy_port": 20000, "mode": "https"}
    with pytest.raises(InvalidHealthcheckModeError, match="https"):
        build_app(https)


def test_post_body_is_camel_case_and_minimal() -> None:
    body = marathon_app_body(build_app(load_case("host_net_cmd_check_stopped")))
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
    case = load_case("routing_tcp")
    case["config_dict"]["constraints"] = [["hostname", "MAX_PER", 2]]
    built = build_app(case)
    assert built["constraints"] == [["hostname", "MAX_PER", 2]]
    assert built["id"] != build_app(load_case("routing_tcp"))["id"]


def test_blacklist_leaving_no_agent_is_an_error() -> None:
    from paasta_tools.errors import NoSlavesAvailableError

    case = load_case("routing_tcp")
    case["config_dict"]["deploy_whitelist"] = ["region", ["r9"]]
    with pytest.raises(NoSlavesAvailableError, match="db_proxy.main"):
        build_app(case)
