"""The merged ``autoscaling`` dict as typed parameters; bad values name their key."""

from __future__ import annotations

import pytest

from paasta_tools.autoscaling.params import DecisionPolicy, MetricsProvider, parse_autoscaling_params
from paasta_tools.config.marathon_config import DEFAULT_AUTOSCALING_PARAMS
from paasta_tools.errors import AutoscalingError


def test_defaults_are_mesos_cpu_pid_and_setpoint_point_eight():
    params = parse_autoscaling_params(DEFAULT_AUTOSCALING_PARAMS, "svc.main")
    assert params.metrics_provider is MetricsProvider.MESOS_CPU
    assert params.decision_policy is DecisionPolicy.PID
    assert params.setpoint == 0.8 and params.endpoint == "status" and params.offset == 0.0


def test_provider_specific_defaults_and_options():
    uwsgi = parse_autoscaling_params({"metrics_provider": "uwsgi", "decision_policy": "threshold"}, "s.i")
    assert uwsgi.endpoint == "status/uwsgi"
    raw = {
        "metrics_provider": "http",
        "decision_policy": "proportional",
        "endpoint": "/load",
        "good_enough_window": [0.6, 0.8],
        "forecast_policy": "moving_average",
        "moving_average_window_seconds": 1800,
    }
    params = parse_autoscaling_params(raw, "s.i")
    assert params.endpoint == "/load" and params.good_enough_window == (0.6, 0.8)
    assert params.forecast_options == {"moving_average_window_seconds": 1800}
    linreg = {**raw, "linreg_extrapolation_seconds": [0, 60], "linreg_window_seconds": 600}
    assert parse_autoscaling_params(linreg, "s.i").forecast_options["linreg_extrapolation_seconds"] == [0, 60]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"metrics_provider": "cpu", "decision_policy": "pid"}, "autoscaling.metrics_provider 'cpu' is not one of"),
        ({"metrics_provider": "http", "decision_policy": "fast"}, "autoscaling.decision_policy 'fast' is not one of"),
        ({"metrics_provider": "http", "decision_policy": "pid", "setpoint": "high"}, "autoscaling.setpoint must be"),
        ({"metrics_provider": "http", "decision_policy": "pid", "good_enough_window": [1]}, "good_enough_window"),
        (
            {"metrics_provider": "http", "decision_policy": "proportional", "moving_average_window_seconds": "1h"},
            "autoscaling.moving_average_window_seconds must be a number, got '1h'",
        ),
        (
            {"metrics_provider": "http", "decision_policy": "proportional", "linreg_extrapolation_seconds": []},
            r"autoscaling.linreg_extrapolation_seconds must be a number or a list of numbers, got \[\]",
        ),
        (
            {"metrics_provider": "http", "decision_policy": "proportional", "linreg_extrapolation_seconds": ["x"]},
            "autoscaling.linreg_extrapolation_seconds must be a number or a list of numbers",
        ),
    ],
)
def test_bad_values_name_the_instance_and_key(raw, message):
    with pytest.raises(AutoscalingError, match=message) as info:
        parse_autoscaling_params(raw, "svc.main in marathon-dev.yaml")
    assert str(info.value).startswith("svc.main in marathon-dev.yaml: ")
