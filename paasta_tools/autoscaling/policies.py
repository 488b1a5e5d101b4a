"""Decision policies: from a utilization to a change in the instance count.

``error_from_utilization`` turns a utilization into the error the ``pid`` and ``threshold``
policies act on: positive above the setpoint, negative only when one task fewer would still stay
at or under the setpoint, zero in between.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from paasta_tools.autoscaling.forecasting import forecast
from paasta_tools.errors import AutoscalingError

AUTOSCALING_DELAY = 300  # seconds between two runs of the cron job: the pid constants are tuned for it
PID_KP = 4
PID_KI = 4 / AUTOSCALING_DELAY
PID_KD = 1 * AUTOSCALING_DELAY
THRESHOLD_STEP = 0.1


def error_from_utilization(utilization: float, setpoint: float, current_instances: int) -> float:
    """How far ``utilization`` is outside [setpoint * (n - 1) / n, setpoint] (0.0 inside)."""
    high = setpoint
    low = high * (current_instances - 1) / current_instances if current_instances > 0 else 0.0
    if utilization < low:
        return utilization - low
    if utilization > high:
        return utilization - high
    return 0.0


def humanize_error(error: float) -> str:
    """``12% underutilized`` (floored), ``13% overutilized`` (ceiled) or ``utilization within thresholds``."""
    if error < 0:
        return f"{math.floor(-error * 100)}% underutilized"
    if error > 0:
        return f"{math.ceil(error * 100)}% overutilized"
    return "utilization within thresholds"


def threshold_policy(current_instances: int, error: float) -> int:
    """One step of 10% of the current count (at least 1) in the direction of the error; 0 without error."""
    step = max(1, int(current_instances * THRESHOLD_STEP))
    if error > 0:
        return step
    if error < 0:
        return -step
    return 0


@dataclass(frozen=True)
class PidState:
    """The pid controller's memory: integral term, last error and the time it was computed.

    A missing state is all zeros, as upstream read it: the first decision then integrates the
    error over the whole time since the epoch, so its integral term sits at a bound.
    """

    iterm: float = 0.0
    last_error: float = 0.0
    last_time: float = 0.0


def pid_policy(
    error: float, current_instances: int, min_instances: int, max_instances: int, state: PidState, now: float
) -> tuple[int, PidState]:
    """``Kp * error + Ki * ∫error dt + Kd * d(error)/dt`` as a count change, and the new state.

    The integral and the output are clamped to the change that keeps the count in [min, max].
    """
    low, high = min_instances - current_instances, max_instances - current_instances

    def clamp(value: float) -> float:
        return min(max(value, low), high)

    elapsed = now - state.last_time
    iterm = clamp(state.iterm + PID_KI * error * elapsed)
    # two runs in the same instant have no rate of change to act on
    derivative = PID_KD * (error - state.last_error) / elapsed if elapsed > 0 else 0.0
    delta = int(round(clamp(PID_KP * error + iterm + derivative)))
    return delta, PidState(iterm=iterm, last_error=error, last_time=now)


@dataclass(frozen=True)
class ProportionalInputs:
    """What the ``proportional`` policy reads besides the load history."""

    current_instances: int
    min_instances: int
    max_instances: int
    setpoint: float
    utilization: float
    num_healthy_instances: int
    offset: float = 0.0
    forecast_policy: str = "current"
    good_enough_window: tuple[float, float] | None = None
    forecast_options: Mapping[str, Any] | None = None


def proportional_policy(
    inputs: ProportionalInputs, history: Sequence[tuple[float, float]], now: float, where: str
) -> tuple[int, list[tuple[float, float]]]:
    """Scale so the forecast load per task meets the setpoint; the count change and the new history.

    Load now = (utilization - offset) * healthy tasks, appended to ``history``; the forecast of
    that history divided by (setpoint - offset), rounded, is the wanted count.  Inside the
    ``good_enough_window`` (forecast load per current task + offset) the count stays.
    """
    if inputs.setpoint <= inputs.offset:
        raise AutoscalingError(
            f"{where}: autoscaling.offset {inputs.offset} must be below autoscaling.setpoint {inputs.setpoint}"
        )
    load = (inputs.utilization - inputs.offset) * inputs.num_healthy_instances
    new_history = [*history, (now, load)]
    predicted = forecast(inputs.forecast_policy, new_history, inputs.forecast_options or {}, where)
    desired = int(round(predicted / (inputs.setpoint - inputs.offset)))
    if inputs.good_enough_window is not None and inputs.current_instances > 0:
        low, high = inputs.good_enough_window
        if low <= predicted / inputs.current_instances + inputs.offset <= high:
            desired = inputs.current_instances
    desired = min(max(desired, inputs.min_instances), inputs.max_instances)
    return desired - inputs.current_instances, new_history
