from __future__ import annotations

import dataclasses

import pytest

from paasta_tools.config.chronos_config import ChronosJobConfig
from paasta_tools.config.instance_config import InstanceConfig
from paasta_tools.config.marathon_config import MarathonServiceConfig
from paasta_tools.errors import InvalidInstanceConfig, NoDockerImageError


def make(config=None, branch=None, cls=InstanceConfig, instance="main"):
    return cls(service="svc", cluster="westeros-prod", instance=instance, config_dict=config or {}, branch_dict=branch)


def test_attributes_are_read_only():
    config = make()
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.service = "other"


def test_defaults():
    config = make()
    assert config.get_cpus() == 0.25
    assert config.get_mem() == 1024
    assert config.get_disk() == 1024
    assert config.get_cmd() is None
    assert config.get_args() == []
    assert config.get_cfs_period_us() == 100000
    assert config.get_cpu_burst_pct() == 900
    assert config.get_ulimit() == []
    assert config.get_cap_add() == []
    assert config.get_extra_volumes() == []
    assert config.get_net() == "bridge"
    assert config.get_pool() == "default"
    assert config.get_constraints() is None
    assert config.get_extra_constraints() == []
    assert config.get_deploy_blacklist() == []
    assert config.get_deploy_whitelist() is None
    assert config.get_monitoring_blacklist() == []
    assert config.get_monitoring() == {}
    assert config.get_branch() == "westeros-prod.main"
    assert config.get_deploy_group() == "westeros-prod.main"


def test_values_without_deployments():
    config = make()
    assert config.get_docker_image() == ""
    assert config.get_desired_state() == "start"
    assert config.get_force_bounce() is None


def test_values_from_branch_dict():
    branch = {"docker_image": "services-svc:paasta-abc", "desired_state": "stop", "force_bounce": "20170101T000000"}
    config = make(branch=branch)
    assert config.get_docker_image() == "services-svc:paasta-abc"
    assert config.get_docker_url("registry:5000") == "registry:5000/services-svc:paasta-abc"
    assert config.get_desired_state() == "stop"
    assert config.get_force_bounce() == "20170101T000000"


def test_docker_url_without_image_raises():
    with pytest.raises(NoDockerImageError, match="svc.main not in deployments.json"):
        make(branch={}).get_docker_url("r")


def test_cmd_without_args_gives_none_args():
    assert make({"cmd": "run.sh"}).get_args() is None


def test_args_without_cmd():
    assert make({"args": ["--a", "b"]}).get_args() == ["--a", "b"]


def test_cmd_and_args_together_are_invalid():
    with pytest.raises(InvalidInstanceConfig, match="cmd or args, but not both"):
        make({"cmd": "x", "args": ["y"]}).get_args()


def test_env_injects_paasta_variables_and_user_env_wins():
    config = make({"env": {"FOO": "bar", "PAASTA_CLUSTER": "mine"}}, branch={"docker_image": "services-svc:paasta-1"})
    assert config.get_env() == {
        "PAASTA_SERVICE": "svc",
        "PAASTA_INSTANCE": "main",
        "PAASTA_CLUSTER": "mine",
        "PAASTA_DOCKER_IMAGE": "services-svc:paasta-1",
        "FOO": "bar",
    }
    assert "PAASTA_DEPLOY_GROUP" not in config.get_env()


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{cluster}.internal", "westeros-prod.internal"),
        ("{service}-{instance}", "svc-main"),
        ("prod.everything", "prod.everything"),
    ],
)
def test_deploy_group_interpolation(template, expected):
    assert make({"deploy_group": template}).get_deploy_group() == expected


def test_deploy_group_with_unknown_placeholder_names_the_key():
    with pytest.raises(InvalidInstanceConfig, match="deploy_group.*'{region}.x'"):
        make({"deploy_group": "{region}.x"}).get_deploy_group()


@pytest.mark.parametrize("template", ["{cluster.x}", "{instance[9]}", "{service"])
def test_deploy_group_with_a_bad_format_field_names_the_key(template):
    with pytest.raises(InvalidInstanceConfig, match="deploy_group"):
        make({"deploy_group": template}).get_deploy_group()


def test_legacy_branch_key_overrides_branch_and_default_deploy_group():
    config = make({"branch": "old-branch"})
    assert config.get_branch() == "old-branch"
    assert config.get_deploy_group() == "old-branch"


def test_docker_parameters_order_and_values():
    config = make(
        {
            "cpus": 1.5,
            "mem": 2048.5,
            "cfs_period_us": 200000,
            "cpu_burst_pct": 100,
            "ulimit": {"nproc": {"soft": 100.0}, "nofile": {"soft": 1024, "hard": 2048}},
            "cap_add": ["NET_ADMIN", "SYS_TIME"],
        },
        cls=MarathonServiceConfig,
    )
    assert config.format_docker_parameters() == [
        {"key": "memory-swap", "value": "2049m"},
        {"key": "cpu-period", "value": "200000"},
        {"key": "cpu-quota", "value": "600000"},
        {"key": "ulimit", "value": "nofile=1024:2048"},
        {"key": "ulimit", "value": "nproc=100"},
        {"key": "cap-add", "value": "NET_ADMIN"},
        {"key": "cap-add", "value": "SYS_TIME"},
        {"key": "label", "value": "paasta_service=svc"},
        {"key": "label", "value": "paasta_instance=main"},
    ]


def test_default_cpu_quota():
    assert make(cls=MarathonServiceConfig).get_cpu_quota() == 250000


def test_ulimit_value_must_be_a_number():
    with pytest.raises(InvalidInstanceConfig, match="ulimit 'nofile' value 'lots' is not a number"):
        make({"ulimit": {"nofile": {"soft": "lots"}}}).get_ulimit()


def test_ulimit_without_soft_is_invalid():
    with pytest.raises(InvalidInstanceConfig, match="ulimit 'nofile' needs a 'soft' value"):
        make({"ulimit": {"nofile": {"hard": 1}}}).get_ulimit()


def test_volumes_dedup_extra_wins_and_sorted():
    system = [
        {"containerPath": "/b", "hostPath": "/b", "mode": "RO"},
        {"containerPath": "/a", "hostPath": "/a", "mode": "RO"},
    ]
    config = make({"extra_volumes": [{"containerPath": "/b/", "hostPath": "/b", "mode": "RW"}]})
    assert config.get_volumes(system) == [
        {"containerPath": "/a", "hostPath": "/a", "mode": "RO"},
        {"containerPath": "/b/", "hostPath": "/b", "mode": "RW"},
    ]


def test_deploy_blacklist_appends_system_list():
    config = make({"deploy_blacklist": [["region", "uswest1-prod"]]})
    assert config.get_deploy_blacklist([["habitat", "x"]]) == [("region", "uswest1-prod"), ("habitat", "x")]


def test_malformed_blacklist_entry_is_invalid():
    with pytest.raises(InvalidInstanceConfig, match="deploy_blacklist"):
        make({"deploy_blacklist": [["region"]]}).get_deploy_blacklist()


def test_deploy_whitelist_instance_over_system():
    assert make({"deploy_whitelist": ["region", ["a", "b"]]}).get_deploy_whitelist(["region", ["c"]]) == (
        "region",
        ["a", "b"],
    )
    assert make().get_deploy_whitelist(["region", ["c"]]) == ("region", ["c"])


def test_monitoring_blacklist_includes_deploy_blacklist():
    config = make({"monitoring_blacklist": [["region", "a"]], "deploy_blacklist": [["region", "b"]]})
    assert config.get_monitoring_blacklist() == [("region", "a"), ("region", "b")]


def test_calculated_constraints_order_and_stringified():
    config = make(
        {
            "extra_constraints": [["cpu_flags", "LIKE", "avx"]],
            "deploy_blacklist": [["region", "bad"]],
            "deploy_whitelist": ["region", ["good1", "good2"]],
            "pool": "batch",
        }
    )
    assert config.get_calculated_constraints(routing_constraints=[["region", "GROUP_BY", 2]]) == [
        ["cpu_flags", "LIKE", "avx"],
        ["region", "GROUP_BY", "2"],
        ["region", "UNLIKE", "bad"],
        ["region", "LIKE", "good1|good2"],
        ["pool", "LIKE", "batch"],
    ]


def test_calculated_constraints_do_not_grow_between_calls():
    config = make({"extra_constraints": [["a", "LIKE", "b"]]})
    first = config.get_calculated_constraints()
    assert config.get_calculated_constraints() == first == [["a", "LIKE", "b"], ["pool", "LIKE", "default"]]
    assert config.config_dict["extra_constraints"] == [["a", "LIKE", "b"]]


def test_explicit_constraints_are_used_verbatim():
    config = make({"constraints": [["hostname", "UNIQUE"]], "pool": "x"})
    assert config.get_calculated_constraints() == [["hostname", "UNIQUE"]]


def test_chronos_keeps_yaml_types():
    config = make({"cpus": 1, "mem": 512}, cls=ChronosJobConfig)
    assert config.get_cpus() == 1 and isinstance(config.get_cpus(), int)
    assert isinstance(config.get_mem(), int)


def test_instance_type_per_class():
    assert make(cls=MarathonServiceConfig).instance_type == "marathon"
    assert make(cls=ChronosJobConfig).get_instance_type() == "chronos"


@pytest.mark.parametrize(
    ("key", "value", "getter", "what"),
    [
        ("cfs_period_us", "100000", "get_cfs_period_us", "an integer"),
        ("cpu_burst_pct", True, "get_cpu_burst_pct", "an integer"),
        ("mem", "lots", "get_mem", "a number"),
        ("instances", 2.5, "get_instances", "an integer"),
        ("max_instances", "ten", "get_max_instances", "an integer"),
        ("healthcheck_grace_period_seconds", [], "get_healthcheck_grace_period_seconds", "a number"),
        ("host_port", "8080", "get_host_port", "an integer"),
    ],
)
def test_wrong_types_are_invalid_naming_file_instance_and_key(key, value, getter, what):
    config = make({key: value}, cls=MarathonServiceConfig)
    with pytest.raises(InvalidInstanceConfig) as excinfo:
        getattr(config, getter)()
    assert f"marathon-westeros-prod.yaml, instance 'main', key '{key}'" in str(excinfo.value)
    assert f"is not {what}" in str(excinfo.value)


def test_chronos_keeps_raw_values_for_validation_to_report():
    job = make({"retries": "2", "cpus": "lots"}, cls=ChronosJobConfig)
    assert job.get_retries() == "2"
    assert job.get_cpus() == "lots"
