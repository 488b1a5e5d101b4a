from __future__ import annotations

import pytest

from paasta_tools.config.marathon_config import MarathonServiceConfig
from paasta_tools.config.smartstack import ServiceNamespaceConfig, namespace_config_from_dict
from paasta_tools.errors import InvalidHealthcheckModeError, InvalidInstanceConfig, NoSlavesAvailableError

IN_SMARTSTACK = namespace_config_from_dict("main", {"proxy_port": 20001}, "smartstack.yaml")
NOT_IN_SMARTSTACK = ServiceNamespaceConfig()


def make(config=None, branch=None, instance="main"):
    return MarathonServiceConfig(
        service="svc", cluster="c1", instance=instance, config_dict=config or {}, branch_dict=branch
    )


def test_resource_defaults_are_floats():
    config = make({"cpus": 1, "mem": 512, "disk": 100})
    assert (config.get_cpus(), config.get_mem(), config.get_disk()) == (1.0, 512.0, 100.0)
    assert all(isinstance(v, float) for v in (config.get_cpus(), config.get_mem(), config.get_disk()))
    assert make().get_cpus() == 0.25


def test_non_numeric_cpus_is_invalid_naming_key():
    with pytest.raises(InvalidInstanceConfig, match="marathon-c1.yaml, instance 'main', key 'cpus'"):
        make({"cpus": "lots"}).get_cpus()


def test_getter_defaults():
    config = make()
    assert config.get_instances() == 1
    assert config.get_min_instances() == 1
    assert config.get_max_instances() is None
    assert config.get_backoff_factor() == 2
    assert config.get_max_launch_delay_seconds() == 300
    assert config.get_bounce_method() == "crossover"
    assert config.get_bounce_margin_factor() == 1.0
    assert config.get_replication_threshold() == 50
    assert config.get_accepted_resource_roles() is None
    assert config.get_host_port() == 0
    assert config.get_healthcheck_cmd() == "/bin/true"
    assert config.get_healthcheck_grace_period_seconds() == 60
    assert config.get_healthcheck_interval_seconds() == 10
    assert config.get_healthcheck_timeout_seconds() == 10
    assert config.get_healthcheck_max_consecutive_failures() == 30
    assert config.get_autoscaling_params() == {
        "metrics_provider": "mesos_cpu",
        "decision_policy": "pid",
        "setpoint": 0.8,
    }


def test_autoscaling_params_merge_user_dict():
    assert make({"autoscaling": {"setpoint": 0.5, "extra": 1}}).get_autoscaling_params() == {
        "metrics_provider": "mesos_cpu",
        "decision_policy": "pid",
        "setpoint": 0.5,
        "extra": 1,
    }


def test_instances_with_autoscaling():
    config = make({"min_instances": 2, "max_instances": 10, "instances": 4})
    assert config.get_instances() == 10
    assert config.get_instances(autoscaled_instances=5) == 5
    assert config.get_instances(autoscaled_instances=50) == 10
    assert config.get_instances(autoscaled_instances=0) == 2


def test_desired_instances_zero_when_stopped():
    assert make({"instances": 3}, branch={"desired_state": "stop"}).get_desired_instances() == 0
    assert make({"instances": 3}, branch={"desired_state": "start"}).get_desired_instances() == 3


@pytest.mark.parametrize(
    ("config", "expected"),
    [({}, 10), ({"instances": 3}, 4), ({"instances": 0}, 1), ({"instances": 20}, 1), ({"max_instances": 4}, 3)],
)
def test_backoff_seconds(config, expected):
    assert make(config).get_backoff_seconds() == expected


def test_backoff_seconds_of_stopped_instance_uses_configured_count():
    assert make({"instances": 3}, branch={"desired_state": "stop"}).get_backoff_seconds() == 4


def test_registrations_default_and_nerve_ns():
    assert make().get_registrations() == ["svc.main"]
    assert make({"nerve_ns": "other"}).get_registrations() == ["svc.other"]
    assert make({"nerve_ns": "other"}).get_nerve_namespace() == "other"
    config = make({"registrations": ["a.b", "svc.c"]})
    assert config.get_registrations() == ["a.b", "svc.c"]
    assert config.get_nerve_namespace() == "b"


def test_bad_registration_is_invalid():
    with pytest.raises(InvalidInstanceConfig, match="'nodot' is not of the form service.namespace"):
        make({"registrations": ["nodot"]}).get_registrations()


def test_healthcheck_mode_from_smartstack_namespace():
    assert make().get_healthcheck_mode(IN_SMARTSTACK) == "http"
    assert make().get_healthcheck_mode(NOT_IN_SMARTSTACK) is None
    tcp = namespace_config_from_dict("main", {"proxy_port": 1, "mode": "tcp"}, "s")
    assert make().get_healthcheck_mode(tcp) == "tcp"
    assert make({"healthcheck_mode": "cmd"}).get_healthcheck_mode(IN_SMARTSTACK) == "cmd"


def test_unknown_healthcheck_mode_is_invalid():
    with pytest.raises(InvalidHealthcheckModeError, match="'udp'"):
        make({"healthcheck_mode": "udp"}).get_healthcheck_mode(IN_SMARTSTACK)


def test_healthcheck_uri_from_namespace_then_config():
    ns = namespace_config_from_dict("main", {"proxy_port": 1, "healthcheck_uri": "/health"}, "s")
    assert make().get_healthcheck_uri(NOT_IN_SMARTSTACK) == "/status"
    assert make().get_healthcheck_uri(ns) == "/health"
    assert make({"healthcheck_uri": "/mine"}).get_healthcheck_uri(ns) == "/mine"


def test_bounce_and_drain_defaults_depend_on_smartstack():
    config = make()
    assert config.get_bounce_health_params(IN_SMARTSTACK) == {"check_haproxy": True}
    assert config.get_bounce_health_params(NOT_IN_SMARTSTACK) == {}
    assert config.get_drain_method(IN_SMARTSTACK) == "hacheck"
    assert config.get_drain_method(NOT_IN_SMARTSTACK) == "noop"
    assert config.get_drain_method_params(IN_SMARTSTACK) == {"delay": 60}
    assert config.get_drain_method_params(NOT_IN_SMARTSTACK) == {}


def test_configured_bounce_and_drain_win():
    config = make(
        {
            "bounce_method": "brutal",
            "bounce_health_params": {"min_task_uptime": 30},
            "drain_method": "test",
            "drain_method_params": {},
        }
    )
    assert config.get_bounce_method() == "brutal"
    assert config.get_bounce_health_params(IN_SMARTSTACK) == {"min_task_uptime": 30}
    assert config.get_drain_method(IN_SMARTSTACK) == "test"
    assert config.get_drain_method_params(IN_SMARTSTACK) == {}


SLAVES = [
    {"region": "r1", "habitat": "h1"},
    {"region": "r1", "habitat": "h2"},
    {"region": "r2", "habitat": "h3"},
]


def test_routing_constraints_count_distinct_discover_values():
    assert make().get_routing_constraints(IN_SMARTSTACK, SLAVES) == [["region", "GROUP_BY", "2"]]
    habitat = namespace_config_from_dict("main", {"proxy_port": 1, "discover": "habitat"}, "s")
    assert make().get_routing_constraints(habitat, SLAVES) == [["habitat", "GROUP_BY", "3"]]


def test_routing_constraints_respect_blacklist_and_whitelist():
    config = make({"deploy_blacklist": [["region", "r2"]]})
    assert config.get_routing_constraints(IN_SMARTSTACK, SLAVES) == [["region", "GROUP_BY", "1"]]
    config = make({"deploy_whitelist": ["habitat", ["h1", "h3"]]})
    assert config.get_routing_constraints(IN_SMARTSTACK, SLAVES) == [["region", "GROUP_BY", "2"]]


def test_no_slaves_left_raises():
    config = make({"deploy_whitelist": ["region", ["nowhere"]]})
    with pytest.raises(NoSlavesAvailableError, match="svc.main"):
        config.get_routing_constraints(IN_SMARTSTACK, SLAVES)


def test_marathon_constraints_with_and_without_expected_attributes():
    config = make({"deploy_blacklist": [["region", "r2"]]})
    assert config.get_marathon_constraints(IN_SMARTSTACK) == [
        ["region", "UNLIKE", "r2"],
        ["pool", "LIKE", "default"],
    ]
    assert config.get_marathon_constraints(IN_SMARTSTACK, SLAVES) == [
        ["region", "GROUP_BY", "1"],
        ["region", "UNLIKE", "r2"],
        ["pool", "LIKE", "default"],
    ]
