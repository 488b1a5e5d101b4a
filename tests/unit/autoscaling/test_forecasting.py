"""Forecasts of the proportional policy and the historical_load node encoding."""

from __future__ import annotations

import struct

import pytest

from paasta_tools.autoscaling.forecasting import (
    MAX_HISTORY_BYTES,
    deserialize_historical_load,
    forecast,
    serialize_historical_load,
)
from paasta_tools.errors import AutoscalingError


def test_history_round_trips_as_packed_double_pairs():
    history = [(1500000000.0, 1.5), (1500000300.0, 2.25)]
    data = serialize_historical_load(history)
    assert data == struct.pack("dd", 1500000000.0, 1.5) + struct.pack("dd", 1500000300.0, 2.25)
    assert deserialize_historical_load(data) == history
    assert deserialize_historical_load(data + b"\x00" * 3) == history  # a partial record is ignored


def test_history_keeps_the_newest_records_that_fit():
    history = [(float(i), 0.0) for i in range(MAX_HISTORY_BYTES // 16 + 10)]
    kept = deserialize_historical_load(serialize_historical_load(history))
    assert len(kept) == MAX_HISTORY_BYTES // 16 and kept[-1] == history[-1] and kept[0] == (10.0, 0.0)


def test_current_and_moving_average():
    history = [(0.0, 1.0), (50.0, 2.0), (100.0, 3.0)]
    assert forecast("current", history, {}, "x") == 3.0
    assert forecast("moving_average", history, {"moving_average_window_seconds": 60}, "x") == 2.5


def test_linreg_takes_the_highest_extrapolation():
    history = [(0.0, 1.0), (10.0, 2.0), (20.0, 3.0)]  # slope 0.1 per second
    options = {"linreg_window_seconds": 100, "linreg_extrapolation_seconds": [0, 10]}
    assert forecast("linreg", history, options, "x") == pytest.approx(4.0)
    one_point = {"linreg_window_seconds": 5, "linreg_extrapolation_seconds": 10, "linreg_default_slope": 0.5}
    assert forecast("linreg", history, one_point, "x") == pytest.approx(8.0)


def test_unknown_forecaster_and_missing_option_name_the_key():
    with pytest.raises(AutoscalingError, match="svc.main: autoscaling.forecast_policy 'magic' is not one of current"):
        forecast("magic", [(0.0, 1.0)], {}, "svc.main")
    with pytest.raises(AutoscalingError, match="'moving_average' is missing an option"):
        forecast("moving_average", [(0.0, 1.0)], {}, "svc.main")
