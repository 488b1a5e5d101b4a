"""An instance's ``autoscaling`` dict (already merged over the defaults) as typed parameters.

Upstream passed the whole dict as keyword arguments to the provider and the policy; here the keys
each component reads are picked out and checked once, so a bad value is reported with its key.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from paasta_tools.errors import AutoscalingError

DEFAULT_SETPOINT = 0.8
DEFAULT_HTTP_ENDPOINT = "status"
DEFAULT_UWSGI_ENDPOINT = "status/uwsgi"


class MetricsProvider(enum.Enum):
    MESOS_CPU = "mesos_cpu"
    HTTP = "http"
    UWSGI = "uwsgi"


class DecisionPolicy(enum.Enum):
    PID = "pid"
    THRESHOLD = "threshold"
    PROPORTIONAL = "proportional"
    BESPOKE = "bespoke"


@dataclass(frozen=True)
class AutoscalingParams:
    """What the autoscaler needs of one instance's ``autoscaling`` dict.

    ``forecast_options`` holds the forecaster's own keys (``moving_average_window_seconds``,
    ``linreg_window_seconds``, ``linreg_extrapolation_seconds``, ``linreg_default_slope``).
    """

    metrics_provider: MetricsProvider
    decision_policy: DecisionPolicy
    setpoint: float = DEFAULT_SETPOINT
    endpoint: str = DEFAULT_HTTP_ENDPOINT
    offset: float = 0.0
    forecast_policy: str = "current"
    good_enough_window: tuple[float, float] | None = None
    forecast_options: Mapping[str, Any] = field(default_factory=dict)


FORECAST_OPTION_KEYS = (
    "moving_average_window_seconds",
    "linreg_window_seconds",
    "linreg_extrapolation_seconds",
    "linreg_default_slope",
)


def _choice(enum_type: type[enum.Enum], raw: Mapping[str, Any], key: str, where: str) -> Any:
    value = raw.get(key)
    valid = sorted(member.value for member in enum_type)
    try:
        return enum_type(value)
    except ValueError:
        raise AutoscalingError(f"{where}: autoscaling.{key} {value!r} is not one of {', '.join(valid)}") from None


def _number(raw: Mapping[str, Any], key: str, default: float, where: str) -> float:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise AutoscalingError(f"{where}: autoscaling.{key} must be a number, got {value!r}")
    return float(value)


def _window(raw: Mapping[str, Any], where: str) -> tuple[float, float] | None:
    value = raw.get("good_enough_window")
    if value is None:
        return None
    numbers = isinstance(value, list | tuple) and all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in value
    )
    if not numbers or len(value) != 2:
        raise AutoscalingError(f"{where}: autoscaling.good_enough_window must be a list [low, high], got {value!r}")
    return float(value[0]), float(value[1])


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _forecast_options(raw: Mapping[str, Any], where: str) -> dict[str, Any]:
    """The forecasters' keys present in ``raw``, each a number (extrapolation: also a non-empty list)."""
    options = {key: raw[key] for key in FORECAST_OPTION_KEYS if key in raw}
    for key, value in options.items():
        if _is_number(value):
            continue
        if key == "linreg_extrapolation_seconds":
            if isinstance(value, list) and value and all(_is_number(v) for v in value):
                continue
            expected = "a number or a list of numbers"
        else:
            expected = "a number"
        raise AutoscalingError(f"{where}: autoscaling.{key} must be {expected}, got {value!r}")
    return options


def parse_autoscaling_params(raw: Mapping[str, Any], where: str) -> AutoscalingParams:
    """Typed parameters of a merged ``autoscaling`` dict; ``where`` names the instance in errors.

    AutoscalingError names the key when a provider or policy is unknown or a value has the wrong type.
    """
    provider = _choice(MetricsProvider, raw, "metrics_provider", where)
    policy = _choice(DecisionPolicy, raw, "decision_policy", where)
    default_endpoint = DEFAULT_UWSGI_ENDPOINT if provider is MetricsProvider.UWSGI else DEFAULT_HTTP_ENDPOINT
    endpoint = raw.get("endpoint", default_endpoint)
    if not isinstance(endpoint, str):
        raise AutoscalingError(f"{where}: autoscaling.endpoint must be a string, got {endpoint!r}")
    forecast_policy = raw.get("forecast_policy", "current")
    if not isinstance(forecast_policy, str):
        raise AutoscalingError(f"{where}: autoscaling.forecast_policy must be a string, got {forecast_policy!r}")
    return AutoscalingParams(
        metrics_provider=provider,
        decision_policy=policy,
        setpoint=_number(raw, "setpoint", DEFAULT_SETPOINT, where),
        endpoint=endpoint,
        offset=_number(raw, "offset", 0.0, where),
        forecast_policy=forecast_policy,
        good_enough_window=_window(raw, where),
        forecast_options=_forecast_options(raw, where),
    )
