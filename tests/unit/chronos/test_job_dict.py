"""The complete Chronos job dict: golden files and the upstream 0.65 rules one by one."""

from __future__ import annotations

import copy
import datetime
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from paasta_tools.chronos.job_dict import (
    JobSystemConfig,
    format_chronos_job_dict,
    get_owner,
    job_system_config_from,
    validate_job_config,
)
from paasta_tools.config.chronos_config import ChronosJobConfig
from paasta_tools.config.loader import build_instance_config
from paasta_tools.config.soa_dir import ServiceFiles
from paasta_tools.errors import InvalidChronosConfigError, NoDockerImageError

GOLDEN = Path(__file__).resolve().parents[2] / "fixtures" / "chronos_jobs"
NOW = datetime.datetime(2017, 3, 15, 10, 20, 30)
SYSTEM = JobSystemConfig(
    docker_registry="registry.localhost:5000",
    volumes=({"containerPath": "/nail/etc/services", "hostPath": "/nail/etc/services", "mode": "RO"},),
    dockercfg_location="file:///root/.dockercfg",
)
IMAGE = "services-example:paasta-4f2ab6d1c0e5e5d6c2a1b0f9e8d7c6b5a4f3e2d1"
SERVICE_FILES = ServiceFiles(
    service="example",
    soa_dir="/soa",
    service_yaml={"description": "An example", "env": {"FROM_SERVICE_YAML": "1"}, "mem": 512},
    monitoring={"team": "batch-team"},
    instance_files={
        ("chronos", "testcluster"): {
            "nightly": {
                "schedule": "R/2014-09-25T03:00:00Z/P1D",
                "schedule_time_zone": "America/Los_Angeles",
                "cmd": "python -m example.nightly --date %(shortdate-1)s --hour %(hour)s 100%%",
                "cpus": 1,
                "env": {"MODE": "nightly"},
                "extra_volumes": [{"containerPath": "/data", "hostPath": "/srv/data", "mode": "RW"}],
                "ulimit": {"nofile": {"soft": 1024, "hard": 2048}},
                "cap_add": ["NET_ADMIN"],
                "deploy_blacklist": [["region", "uswest1-prod"]],
            },
            "report": {
                "parents": ["example.nightly", "otherservice.load"],
                "args": ["report", "--all"],
                "net": "host",
                "retries": 0,
                "epsilon": "PT15M",
                "monitoring": {"team": "reports-team"},
            },
            "cron": {"schedule": "*/30 * * * *", "cmd": "echo hi", "disabled": True, "pool": "batch"},
        }
    },
)


def job_config(instance: str, branch: dict[str, Any] | None = None) -> ChronosJobConfig:
    branch_dict = {"docker_image": IMAGE, "desired_state": "start", "force_bounce": None, **(branch or {})}
    config = build_instance_config(SERVICE_FILES, "chronos", "testcluster", instance, branch_dict)
    assert isinstance(config, ChronosJobConfig)
    return config


def build(instance: str, branch: dict[str, Any] | None = None, now: datetime.datetime = NOW) -> dict[str, Any]:
    config = job_config(instance, branch)
    return format_chronos_job_dict(config, SYSTEM, get_owner(config, SERVICE_FILES), now)


def inline(config_dict: dict[str, Any], branch: dict[str, Any] | None = None) -> ChronosJobConfig:
    return ChronosJobConfig(
        service="svc",
        cluster="c1",
        instance="job",
        config_dict=config_dict,
        branch_dict={"docker_image": IMAGE, "desired_state": "start", **(branch or {})},
    )


def build_golden_case(case: dict[str, Any]) -> dict[str, Any]:
    """Build the job a golden file describes: its soa-configs files, deployments entry, system values, time."""
    files = ServiceFiles(
        service=case["service"],
        soa_dir="/soa",
        service_yaml=case["service_yaml"],
        monitoring=case["monitoring"],
        instance_files={("chronos", case["cluster"]): case["chronos_yaml"]},
    )
    config = build_instance_config(files, "chronos", case["cluster"], case["instance"], case["branch_dict"])
    assert isinstance(config, ChronosJobConfig)
    system = JobSystemConfig(**case["system"])
    now = datetime.datetime.fromisoformat(case["now"])
    return format_chronos_job_dict(config, system, get_owner(config, files), now)


@pytest.mark.parametrize("golden", sorted(p.name for p in GOLDEN.glob("*.json")))
def test_golden_job_dicts(golden: str) -> None:
    case = json.loads((GOLDEN / golden).read_text())
    assert build_golden_case(case) == case["expected"]


def test_golden_files_cover_scheduled_dependent_and_cron_jobs() -> None:
    expected = [json.loads(p.read_text())["expected"] for p in sorted(GOLDEN.glob("*.json"))]
    assert sum("parents" in job for job in expected) == 1
    assert {job.get("schedule", "")[:1] for job in expected if "schedule" in job} == {"R", "*"}


def test_description_is_md5_of_the_dict_without_it_plus_force_bounce() -> None:
    job = build("report", {"force_bounce": "20170315T101500"})
    without = {k: v for k, v in job.items() if k != "description"}
    payload = json.dumps(without, sort_keys=True) + "20170315T101500"
    assert job["description"] == "config" + hashlib.md5(payload.encode()).hexdigest()[:8]


def test_description_covers_labels_force_bounce_and_the_interpolated_date() -> None:
    base = build("nightly")["description"]
    assert build("nightly", {"force_bounce": "x"})["description"] != base
    assert build("nightly", now=NOW + datetime.timedelta(days=1))["description"] != base
    assert build("nightly", now=NOW + datetime.timedelta(minutes=5))["description"] == base


def test_command_is_interpolated_at_build_time() -> None:
    assert build("nightly")["command"] == "python -m example.nightly --date 2017-03-14 --hour 10 100%"


def test_resources_keep_their_yaml_types_and_service_yaml_is_merged() -> None:
    job = build("nightly")
    assert job["cpus"] == 1 and isinstance(job["cpus"], int)
    assert job["mem"] == 512
    assert {"name": "FROM_SERVICE_YAML", "value": "1"} in job["environmentVariables"]


@pytest.mark.parametrize(
    ("config_dict", "arguments", "shell"),
    [
        ({"cmd": "echo"}, None, True),
        ({"args": ["a", "b"]}, ["a", "b"], False),
        ({"args": []}, [], True),
        ({}, [], True),
    ],
)
def test_arguments_and_shell(config_dict: dict[str, Any], arguments: list[str] | None, shell: bool) -> None:
    job = format_chronos_job_dict(inline({"schedule": "0 3 * * *", **config_dict}), SYSTEM, "t", NOW)
    assert job["arguments"] == arguments
    assert job["shell"] is shell
    assert ("command" in job) and job["command"] == config_dict.get("cmd")


@pytest.mark.parametrize(
    ("soa_disabled", "desired_state", "disabled"),
    [(False, "start", False), (True, "start", True), (False, "stop", True), (True, "stop", True)],
)
def test_disabled_combines_soa_configs_and_desired_state(soa_disabled: bool, desired_state: str, disabled: bool):
    config = inline({"schedule": "0 3 * * *", "disabled": soa_disabled}, {"desired_state": desired_state})
    assert format_chronos_job_dict(config, SYSTEM, None, NOW)["disabled"] is disabled


def test_owner_comes_from_the_monitoring_team() -> None:
    assert build("nightly")["owner"] == "batch-team"
    assert build("report")["owner"] == "reports-team"


def test_building_twice_gives_equal_dicts() -> None:
    config = inline({"schedule": "0 3 * * *", "extra_constraints": [["region", "LIKE", "a"]]})
    first = format_chronos_job_dict(config, SYSTEM, None, NOW)
    snapshot = copy.deepcopy(first)
    assert format_chronos_job_dict(config, SYSTEM, None, NOW) == snapshot
    assert first["constraints"] == [["region", "LIKE", "a"], ["pool", "LIKE", "default"]]


def test_system_whitelist_and_blacklist_become_constraints() -> None:
    system = JobSystemConfig(
        docker_registry="r", deploy_blacklist=(("region", "bad"),), deploy_whitelist=["region", ["good1", "good2"]]
    )
    job = format_chronos_job_dict(inline({"schedule": "0 3 * * *"}), system, None, NOW)
    assert job["constraints"] == [
        ["region", "UNLIKE", "bad"],
        ["region", "LIKE", "good1|good2"],
        ["pool", "LIKE", "default"],
    ]


def test_missing_docker_image() -> None:
    config = ChronosJobConfig(service="svc", cluster="c1", instance="job", config_dict={"schedule": "0 3 * * *"})
    with pytest.raises(NoDockerImageError):
        format_chronos_job_dict(config, SYSTEM, None, NOW)


def test_every_problem_is_reported_with_file_instance_and_key() -> None:
    config = inline(
        {
            "schedule": "R/2014-09-25T00:00:00Z/PT10S",
            "schedule_time_zone": "Nowhere",
            "cmd": "echo 100%",
            "cpus": "lots",
            "retries": "two",
            "epsilon": "60",
        }
    )
    problems = validate_job_config(config)
    assert len(problems) == 6
    assert all(p.startswith("chronos-c1.yaml, instance 'job', key '") for p in problems)
    assert "key 'schedule_time_zone': schedule_time_zone 'Nowhere'" in problems[2]
    with pytest.raises(InvalidChronosConfigError) as excinfo:
        format_chronos_job_dict(config, SYSTEM, None, NOW)
    assert str(excinfo.value) == "\n".join(problems)


@pytest.mark.parametrize(
    ("config_dict", "expected"),
    [
        ({"schedule": "0 3 * * *", "parents": ["a.b"]}, "not both"),
        ({}, "needs a 'schedule'"),
        ({"parents": ["svc.job"]}, "is the job itself"),
        ({"parents": ["nodot"]}, "must be written 'service.instance'"),
        ({"parents": 5}, "'parents': must be a list"),
        ({"schedule": "0 3 * * *", "cmd": "x", "args": ["y"]}, "cmd or args, but not both"),
    ],
)
def test_job_kind_problems(config_dict: dict[str, Any], expected: str) -> None:
    problems = validate_job_config(inline(config_dict))
    assert len(problems) == 1 and expected in problems[0]


def test_unknown_net_is_an_error() -> None:
    with pytest.raises(InvalidChronosConfigError, match="key 'net': 'overlay'"):
        format_chronos_job_dict(inline({"schedule": "0 3 * * *", "net": "overlay"}), SYSTEM, None, NOW)


def test_job_system_config_from_a_system_config() -> None:
    class Loaded:
        def get_docker_registry(self) -> str:
            return "reg"

        def get_volumes(self) -> list[dict[str, str]]:
            return [{"containerPath": "/a", "hostPath": "/a", "mode": "RO"}]

    system = job_system_config_from(Loaded())
    assert system == JobSystemConfig(
        docker_registry="reg", volumes=({"containerPath": "/a", "hostPath": "/a", "mode": "RO"},)
    )
