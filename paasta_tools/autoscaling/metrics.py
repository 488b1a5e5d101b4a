"""Metrics providers' arithmetic: a service's mean utilization (1.0 = fully used) from fetched data.

``mesos_cpu``: each task's cumulative CPU seconds (user + system, from the agent's
``/monitor/statistics``) divided by its cpu limit less the 0.1 cpus Mesos adds for the executor;
the difference between two such samples over the seconds between them is the task's utilization.
The previous sample lives in ZooKeeper (``cpu_data``: ``<normalized seconds>:<task id>`` joined by
commas, ``cpu_last_time``), so the first run of an instance has nothing to compare with.

``http`` / ``uwsgi``: the JSON each task answers on its first port; a task that times out counts
as fully used, one that fails otherwise is left out.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from paasta_tools.errors import MetricsProviderNoDataError

EXECUTOR_CPUS = 0.1


class HttpAnswer(enum.Enum):
    """A task's answer that carries no JSON body."""

    TIMEOUT = "timeout"
    FAILED = "failed"


def normalized_cpu_seconds(statistics: Mapping[str, Any]) -> float | None:
    """(user + system CPU seconds) / (cpus_limit - 0.1) of one ``statistics`` object; None if unusable."""
    try:
        used = float(statistics["cpus_user_time_secs"]) + float(statistics["cpus_system_time_secs"])
        limit = float(statistics["cpus_limit"]) - EXECUTOR_CPUS
    except (KeyError, TypeError, ValueError):
        return None
    return used / limit if limit > 0 else None


def cpu_sample(statistics_by_task: Mapping[str, Mapping[str, Any]]) -> dict[str, float]:
    """``{task id: normalized cpu seconds}`` of the tasks whose statistics are usable.

    MetricsProviderNoDataError when there is none.
    """
    sample = {}
    for task_id, statistics in statistics_by_task.items():
        seconds = normalized_cpu_seconds(statistics)
        if seconds is not None:
            sample[task_id] = seconds
    if not sample:
        raise MetricsProviderNoDataError("Couldn't get any cpu data from Mesos")
    return sample


def format_cpu_data(sample: Mapping[str, float]) -> str:
    """The ``cpu_data`` node's text for a sample."""
    return ",".join(f"{seconds}:{task_id}" for task_id, seconds in sample.items())


def parse_cpu_data(text: str) -> dict[str, float]:
    """A ``cpu_data`` node's sample; malformed entries are skipped."""
    sample = {}
    for datum in text.split(","):
        seconds, sep, task_id = datum.partition(":")
        if not sep or not task_id:
            continue
        try:
            sample[task_id] = float(seconds)
        except ValueError:
            continue
    return sample


def cpu_utilization(
    previous: Mapping[str, float], previous_time: float | None, current: Mapping[str, float], now: float
) -> float:
    """Mean over the tasks in both samples of (current - previous) / elapsed seconds.

    MetricsProviderNoDataError without an earlier sample of any current task (a first run).
    """
    elapsed = now - previous_time if previous_time is not None else 0.0
    deltas = [current[task] - seconds for task, seconds in previous.items() if task in current]
    if not deltas or elapsed <= 0:
        raise MetricsProviderNoDataError(
            "The mesos_cpu metrics provider doesn't have Zookeeper data for this service. "
            "This is expected for its first run."
        )
    return sum(delta / elapsed for delta in deltas) / len(deltas)


def http_utilization(body: Any) -> float:
    """The ``utilization`` of a task's JSON."""
    return float(body["utilization"])


def uwsgi_utilization(body: Any) -> float:
    """The share of uWSGI workers whose status is not ``idle``."""
    workers = body["workers"]
    return sum(0.0 if worker["status"] == "idle" else 1.0 for worker in workers) / len(workers)


def mean_http_utilization(answers: Iterable[Any], mapper: Callable[[Any], float], endpoint: str, name: str) -> float:
    """Mean of the tasks' utilizations: a JSON body through ``mapper``, TIMEOUT as 1.0, the rest left out.

    MetricsProviderNoDataError naming the endpoint and instance when no task gave a value.
    """
    values: list[float] = []
    for answer in answers:
        if answer is HttpAnswer.TIMEOUT:
            values.append(1.0)
        elif answer is not HttpAnswer.FAILED:
            try:
                values.append(mapper(answer))
            except (KeyError, TypeError, ValueError, ZeroDivisionError):
                continue
    if not values:
        raise MetricsProviderNoDataError(f"Couldn't get any data from http endpoint {endpoint} for {name}")
    return sum(values) / len(values)
