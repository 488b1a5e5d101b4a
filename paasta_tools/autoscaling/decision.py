"""Which tasks an autoscaling decision may look at, and what the decision finally does.

Only the tasks of the instance's current app (the app id setup_marathon_job would create now)
count, and of those only the healthy ones: every health result alive, or an app without health
checks, or a task old enough that Marathon should have checked it by now (its missing results are
taken as Marathon no longer checking, not as a failing task).  A scale-down is refused while the
number of such tasks is more than 30% off the current count (tasks waiting, delayed, unhealthy or
being killed), and no run takes more than 30% of the tasks away.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass

from paasta_tools.autoscaling.policies import humanize_error
from paasta_tools.marathon.tasks import MarathonAppState, MarathonTask

MAX_TASK_DELTA = 0.3
SAFE_DOWNSCALING_FACTOR = 0.7
HEALTHCHECK_RUNS_BEFORE_OLD = 5
RUNNING_STATES = ("TASK_RUNNING", "")

DELAY_SCALE_DOWN_LINE = (
    "Delaying scaling *down* as we found too few healthy tasks running in marathon. "
    "This can happen because tasks are delayed/waiting/unhealthy or because we are "
    "waiting for tasks to be killed. Will wait for sufficient healthy tasks before "
    "we make a decision to scale down."
)


def _seconds(check: Mapping[str, object], key: str, default: float) -> float:
    value = check.get(key, default)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else default


def is_old_task_missing_healthchecks(task: MarathonTask, app: MarathonAppState, now: datetime.datetime) -> bool:
    """No health result although the app checks health and the task outlived grace + 5 intervals."""
    if task.health_alive or not app.health_checks or task.started_at is None:
        return False
    check = app.health_checks[0]
    grace = _seconds(check, "gracePeriodSeconds", 300)
    interval = _seconds(check, "intervalSeconds", 60)
    startup = datetime.timedelta(seconds=grace + interval * HEALTHCHECK_RUNS_BEFORE_OLD)
    return task.started_at + startup < now


def is_task_healthy(task: MarathonTask) -> bool:
    """Marathon has health results for the task and all of them are alive."""
    return bool(task.health_alive) and all(task.health_alive)


def autoscaling_tasks(app: MarathonAppState | None, now: datetime.datetime) -> list[MarathonTask]:
    """The running tasks of ``app`` that count for the decision (see the module docstring)."""
    if app is None:
        return []
    return [
        task
        for task in app.tasks
        if task.state in RUNNING_STATES
        and (is_task_healthy(task) or not app.health_checks or is_old_task_missing_healthchecks(task, app, now))
    ]


def is_task_data_insufficient(num_tasks: int, current_instances: int) -> bool:
    """More than 30% more or fewer counted tasks than the current count (each bound truncated)."""
    too_many = num_tasks > int((1 + MAX_TASK_DELTA) * current_instances)
    too_few = num_tasks < int((1 - MAX_TASK_DELTA) * current_instances)
    return too_many or too_few


def safe_downscaling_threshold(current_instances: int) -> int:
    return int(current_instances * SAFE_DOWNSCALING_FACTOR)


def new_instance_count(current_instances: int, delta: int, min_instances: int, max_instances: int) -> int:
    """current + delta, never below 70% of current (truncated), then clamped to [min, max]."""
    wanted = max(current_instances + delta, safe_downscaling_threshold(current_instances))
    return max(min_instances, min(max_instances, wanted))


@dataclass(frozen=True)
class LogLine:
    level: str  # "event" or "debug", the levels of the deploy log
    line: str


@dataclass(frozen=True)
class Decision:
    """What to do for an instance: the count to store (None: leave ZooKeeper alone) and what to log."""

    new_instances: int | None
    log_lines: tuple[LogLine, ...]


def decide(
    current_instances: int,
    new_instances: int,
    error: float,
    task_data_insufficient: bool,
    utilization_data: Mapping[str, str] | None = None,
) -> Decision:
    """The action for a computed count: scale (logged as an event), refuse a scale-down on too few
    counted tasks, or stay (a debug line).  A count cut by the 30% rule also logs the raw data."""
    reason = humanize_error(error)
    if new_instances == current_instances:
        return Decision(None, (LogLine("debug", f"Staying at {current_instances} instances ({reason})"),))
    if new_instances < current_instances and task_data_insufficient:
        return Decision(None, (LogLine("event", DELAY_SCALE_DOWN_LINE),))
    lines: list[LogLine] = []
    if new_instances == safe_downscaling_threshold(current_instances):
        lines.append(LogLine("debug", f"Autoscaler clamped: {dict(utilization_data or {})}"))
    lines.append(LogLine("event", f"Scaling from {current_instances} to {new_instances} instances ({reason})"))
    return Decision(new_instances, tuple(lines))
