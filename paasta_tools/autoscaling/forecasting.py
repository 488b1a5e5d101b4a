"""Load forecasts for the ``proportional`` policy, and the ZooKeeper encoding of the load history.

The history is a list of ``(unix time, load)`` pairs, stored in the ``historical_load`` node as
packed native doubles (struct format ``dd``, 16 bytes a record) and cut to the newest 1,000,000
bytes' worth of records when written.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from paasta_tools.errors import AutoscalingError

HISTORICAL_LOAD_FORMAT = "dd"
RECORD_SIZE = struct.calcsize(HISTORICAL_LOAD_FORMAT)
MAX_HISTORY_BYTES = 1_000_000

LoadHistory = Sequence[tuple[float, float]]


def serialize_historical_load(history: LoadHistory) -> bytes:
    """The newest records that fit in MAX_HISTORY_BYTES, packed."""
    keep = MAX_HISTORY_BYTES // RECORD_SIZE
    return b"".join(struct.pack(HISTORICAL_LOAD_FORMAT, when, load) for when, load in list(history)[-keep:])


def deserialize_historical_load(data: bytes) -> list[tuple[float, float]]:
    """The records of a ``historical_load`` node (a trailing partial record is ignored)."""
    whole = len(data) - len(data) % RECORD_SIZE
    return [
        struct.unpack(HISTORICAL_LOAD_FORMAT, data[pos : pos + RECORD_SIZE]) for pos in range(0, whole, RECORD_SIZE)
    ]


def current_forecast(history: LoadHistory, **options: Any) -> float:
    """The load stays what it is now."""
    return history[-1][1]


def trailing_window(history: LoadHistory, window_seconds: float) -> list[tuple[float, float]]:
    """The records no older than ``window_seconds`` before the newest one."""
    end = history[-1][0]
    return [(when, load) for when, load in history if end - window_seconds <= when <= end]


def moving_average_forecast(history: LoadHistory, moving_average_window_seconds: float, **options: Any) -> float:
    """The mean load over the trailing window."""
    window = trailing_window(history, moving_average_window_seconds)
    return sum(load for _, load in window) / len(window)


def linreg_forecast(
    history: LoadHistory,
    linreg_window_seconds: float,
    linreg_extrapolation_seconds: float | Sequence[float],
    linreg_default_slope: float = 0,
    **options: Any,
) -> float:
    """A least-squares line through the trailing window, read at each extrapolation offset from the
    newest record; the highest of those predictions.  One point in the window uses the default slope."""
    window = trailing_window(history, linreg_window_seconds)
    times = [when for when, _ in window]
    loads = [load for _, load in window]
    mean_time = sum(times) / len(times)
    mean_load = sum(loads) / len(loads)
    spread = sum((when - mean_time) ** 2 for when in times)
    if len(window) > 1 and spread > 0:
        slope = sum((when - mean_time) * (load - mean_load) for when, load in window) / spread
    else:
        slope = linreg_default_slope
    intercept = mean_load - slope * mean_time
    offsets = (
        [linreg_extrapolation_seconds]
        if isinstance(linreg_extrapolation_seconds, int | float)
        else linreg_extrapolation_seconds
    )
    now = history[-1][0]
    return max(slope * (now + offset) + intercept for offset in offsets)


FORECAST_POLICIES: Mapping[str, Callable[..., float]] = {
    "current": current_forecast,
    "moving_average": moving_average_forecast,
    "linreg": linreg_forecast,
}


def forecast(name: str, history: LoadHistory, options: Mapping[str, Any], where: str) -> float:
    """The named forecaster's prediction; AutoscalingError for an unknown name or a missing option."""
    policy = FORECAST_POLICIES.get(name)
    if policy is None:
        valid = ", ".join(sorted(FORECAST_POLICIES))
        raise AutoscalingError(f"{where}: autoscaling.forecast_policy {name!r} is not one of {valid}")
    try:
        return float(policy(history, **options))
    except TypeError as exc:
        raise AutoscalingError(f"{where}: autoscaling.forecast_policy {name!r} is missing an option: {exc}") from exc
