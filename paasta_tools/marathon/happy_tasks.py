"""Which tasks of an app are "happy" (§5.2), as a pure function of task data.

A task is happy iff it has started and is not being killed (TASK_KILLING); it has been up for ``min_task_uptime``
seconds (when given); if the app defines health checks it has at least one
result; at least one result is alive (no results and no checks counts as
healthy); and, when ``haproxy_up`` is given, the task's address and first
port are UP in HAProxy.  The caller fetches HAProxy data from the synapse on
each task's host and passes the UP (address, port) pairs.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from paasta_tools.errors import InvalidInstanceConfig
from paasta_tools.marathon.tasks import MarathonAppState, MarathonTask


def is_task_healthy(task: MarathonTask, require_all: bool = False, default_healthy: bool = True) -> bool:
    """Any (or all) health results alive; ``default_healthy`` when there are none."""
    if not task.health_alive:
        return default_healthy
    return all(task.health_alive) if require_all else any(task.health_alive)


def is_task_running(task: MarathonTask) -> bool:
    """Not being killed nor ended: TASK_RUNNING (or no state given); a TASK_KILLING task is on its way out."""
    return task.state in ("", "TASK_RUNNING")


def task_uptime_seconds(task: MarathonTask, now: datetime.datetime) -> float | None:
    """Seconds since the task started, or None if it has not started."""
    if task.started_at is None:
        return None
    return (now - task.started_at).total_seconds()


def is_task_in_haproxy(task: MarathonTask, haproxy_up: Collection[tuple[str, int]]) -> bool:
    """The task's host (or one of its IPs) with its first port is among the UP backends."""
    if not task.ports:
        return False
    return any((address, task.ports[0]) in haproxy_up for address in (task.host, *task.ip_addresses))


def _passes_marathon_checks(
    task: MarathonTask,
    has_health_checks: bool,
    now: datetime.datetime,
    min_task_uptime: float | None,
) -> bool:
    uptime = task_uptime_seconds(task, now)
    if uptime is None or not is_task_running(task):
        return False
    if min_task_uptime is not None and uptime < min_task_uptime:
        return False
    # health checks defined but none has run yet: not happy
    if has_health_checks and not task.health_alive:
        return False
    return is_task_healthy(task, require_all=False, default_healthy=True)


def get_happy_tasks(
    tasks: Iterable[MarathonTask],
    health_checks: Sequence[Any],
    now: datetime.datetime,
    min_task_uptime: float | None = None,
    haproxy_up: Collection[tuple[str, int]] | None = None,
) -> list[MarathonTask]:
    """The happy tasks, in input order (see the module docstring for the rule)."""
    happy = [t for t in tasks if _passes_marathon_checks(t, bool(health_checks), now, min_task_uptime)]
    if haproxy_up is not None:
        happy = [t for t in happy if is_task_in_haproxy(t, haproxy_up)]
    return happy


def hosts_to_check_in_haproxy(tasks: Iterable[MarathonTask]) -> list[str]:
    """Distinct task hosts, sorted: the synapses whose CSV the caller must fetch."""
    return sorted({t.host for t in tasks if t.host})


@dataclass(frozen=True)
class HappyTaskParams:
    """The ``bounce_health_params`` of an instance: ``min_task_uptime`` and ``check_haproxy``."""

    min_task_uptime: float | None = None
    check_haproxy: bool = False


def happy_task_params(bounce_health_params: Mapping[str, Any]) -> HappyTaskParams:
    """Validate ``bounce_health_params`` (only min_task_uptime, check_haproxy are known)."""
    unknown = set(bounce_health_params) - {"min_task_uptime", "check_haproxy"}
    if unknown:
        raise InvalidInstanceConfig(
            f"bounce_health_params: unknown key(s) {', '.join(sorted(unknown))}; "
            "only min_task_uptime and check_haproxy are supported"
        )
    uptime = bounce_health_params.get("min_task_uptime")
    if uptime is not None and (isinstance(uptime, bool) or not isinstance(uptime, int | float)):
        raise InvalidInstanceConfig(f"bounce_health_params: min_task_uptime must be a number, got {uptime!r}")
    return HappyTaskParams(min_task_uptime=uptime, check_haproxy=bool(bounce_health_params.get("check_haproxy")))


def get_happy_tasks_of_app(
    app: MarathonAppState,
    now: datetime.datetime,
    params: HappyTaskParams = HappyTaskParams(),
    haproxy_up: Collection[tuple[str, int]] | None = None,
) -> list[MarathonTask]:
    """Happy tasks of one app; ``haproxy_up`` is only consulted when ``params.check_haproxy``."""
    return get_happy_tasks(
        app.tasks,
        app.health_checks,
        now,
        min_task_uptime=params.min_task_uptime,
        haproxy_up=(haproxy_up or frozenset()) if params.check_haproxy else None,
    )
