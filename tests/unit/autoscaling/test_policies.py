"""Decision policies with worked numbers: the error band, threshold steps, pid and proportional."""

from __future__ import annotations

import pytest

from paasta_tools.autoscaling.policies import (
    PidState,
    ProportionalInputs,
    error_from_utilization,
    humanize_error,
    pid_policy,
    proportional_policy,
    threshold_policy,
)
from paasta_tools.errors import AutoscalingError


@pytest.mark.parametrize(
    ("utilization", "current", "expected"),
    [
        (0.9, 10, 0.1),  # above the setpoint
        (0.5, 4, -0.1),  # below 0.8 * 3/4 = 0.6: one task fewer still fits
        (0.7, 4, 0.0),  # between 0.6 and 0.8: one task fewer would overload
        (0.0, 1, 0.0),  # one task: the low bound is 0
    ],
)
def test_error_is_the_distance_outside_the_band(utilization, current, expected):
    assert error_from_utilization(utilization, 0.8, current) == pytest.approx(expected)


def test_humanized_errors_floor_under_and_ceil_over():
    assert humanize_error(-0.123) == "12% underutilized"
    assert humanize_error(0.121) == "13% overutilized"
    assert humanize_error(0.0) == "utilization within thresholds"


@pytest.mark.parametrize(
    ("current", "error", "delta"), [(25, 0.1, 2), (5, 0.3, 1), (25, -0.01, -2), (25, 0.0, 0), (0, 1.0, 1)]
)
def test_threshold_moves_ten_percent_at_least_one(current, error, delta):
    assert threshold_policy(current, error) == delta


def test_pid_worked_example():
    # bounds: 1 - 5 = -4 .. 10 - 5 = 5
    # iterm = 0 + (4/300) * 0.2 * 300 = 0.8; derivative = 300 * (0.2 - 0.1) / 300 = 0.1
    # output = 4 * 0.2 + 0.8 + 0.1 = 1.7 -> 2
    delta, state = pid_policy(0.2, 5, 1, 10, PidState(iterm=0.0, last_error=0.1, last_time=1000.0), 1300.0)
    assert delta == 2
    assert state == PidState(iterm=pytest.approx(0.8), last_error=0.2, last_time=1300.0)


def test_pid_clamps_integral_and_output_to_the_count_bounds():
    # without state the integral covers the time since the epoch and saturates at max - current = 3
    delta, state = pid_policy(0.5, 3, 1, 6, PidState(), 1_700_000_000.0)
    assert delta == 3 and state.iterm == 3
    delta, state = pid_policy(-0.5, 3, 1, 6, PidState(), 1_700_000_000.0)
    assert delta == -2 and state.iterm == -2


def test_pid_twice_in_the_same_instant_has_no_derivative():
    delta, state = pid_policy(0.25, 4, 1, 10, PidState(iterm=0.5, last_error=0.0, last_time=50.0), 50.0)
    assert delta == 2  # 4 * 0.25 + 0.5 = 1.5 -> 2
    assert state.iterm == 0.5


def _inputs(**overrides):
    fields = dict(
        current_instances=4, min_instances=1, max_instances=10, setpoint=0.5, utilization=0.75, num_healthy_instances=4
    )
    return ProportionalInputs(**{**fields, **overrides})


def test_proportional_scales_to_meet_the_setpoint_and_records_the_load():
    # load = 0.75 * 4 = 3.0; wanted = 3.0 / 0.5 = 6
    delta, history = proportional_policy(_inputs(), [(10.0, 1.0)], 20.0, "svc.main")
    assert delta == 2
    assert history == [(10.0, 1.0), (20.0, 3.0)]


def test_proportional_offset_good_enough_window_and_bounds():
    # load = (0.75 - 0.1) * 4 = 2.6; wanted = 2.6 / 0.4 = 6.5 -> 6 (round half to even)
    assert proportional_policy(_inputs(offset=0.1), [], 1.0, "x")[0] == 2
    # 3.0 / 4 tasks = 0.75 per task, inside [0.6, 0.8]: stay
    assert proportional_policy(_inputs(good_enough_window=(0.6, 0.8)), [], 1.0, "x")[0] == 0
    assert proportional_policy(_inputs(max_instances=5), [], 1.0, "x")[0] == 1
    assert proportional_policy(_inputs(utilization=0.0, min_instances=3), [], 1.0, "x")[0] == -1


def test_proportional_with_moving_average_forecast():
    inputs = _inputs(forecast_policy="moving_average", forecast_options={"moving_average_window_seconds": 60})
    # loads 1.0 at t=50 and 3.0 at t=100 (t=0 is outside the window): 2.0 -> 4 instances
    delta, _ = proportional_policy(inputs, [(0.0, 9.0), (50.0, 1.0)], 100.0, "x")
    assert delta == 0


def test_proportional_refuses_an_offset_at_the_setpoint():
    with pytest.raises(AutoscalingError, match="autoscaling.offset 0.5 must be below autoscaling.setpoint 0.5"):
        proportional_policy(_inputs(offset=0.5), [], 1.0, "svc.main")
