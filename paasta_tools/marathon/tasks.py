"""Marathon tasks and apps as plain frozen data, parsed from Marathon's JSON.

The clients layer fetches; these types are what the pure planners
(happy tasks, bounces, deploy status) take.  Parsing accepts what Marathon
1.4-1.6 writes (see marathon-chronos-api.md §2.6/§2.7).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from paasta_tools.errors import MarathonError
from paasta_tools.marathon.job_id import is_app_of_instance

_TIME_FORMATS = ("%Y-%m-%dT%H:%M:%S.%fZ", "%Y-%m-%dT%H:%M:%SZ")


def parse_marathon_time(value: str | None) -> datetime.datetime | None:
    """Marathon's UTC timestamps (``...Z``, with or without millis) as aware datetimes."""
    if not value:
        return None
    for fmt in _TIME_FORMATS:
        try:
            return datetime.datetime.strptime(value, fmt).replace(tzinfo=datetime.UTC)
        except ValueError:
            continue
    try:
        parsed = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise MarathonError(f"Marathon sent an unparseable timestamp {value!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.UTC)


@dataclass(frozen=True, order=True)
class MarathonTask:
    """One task of an app: where it runs, since when, and its health results."""

    id: str
    app_id: str = ""
    host: str = ""
    ports: tuple[int, ...] = ()
    started_at: datetime.datetime | None = None
    staged_at: datetime.datetime | None = None
    state: str = ""
    health_alive: tuple[bool, ...] = ()
    ip_addresses: tuple[str, ...] = field(default=(), compare=False)


def task_from_json(data: Mapping[str, Any]) -> MarathonTask:
    """A MarathonTask from Marathon's camelCase task JSON."""
    return MarathonTask(
        id=str(data["id"]),
        app_id=str(data.get("appId") or ""),
        host=str(data.get("host") or ""),
        ports=tuple(int(p) for p in data.get("ports") or ()),
        started_at=_as_time(data.get("startedAt")),
        staged_at=_as_time(data.get("stagedAt")),
        state=str(data.get("state") or ""),
        health_alive=tuple(bool(r.get("alive")) for r in data.get("healthCheckResults") or ()),
        ip_addresses=tuple(str(a.get("ipAddress")) for a in data.get("ipAddresses") or () if a.get("ipAddress")),
    )


def _as_time(value: Any) -> datetime.datetime | None:
    if isinstance(value, datetime.datetime):
        return value if value.tzinfo else value.replace(tzinfo=datetime.UTC)
    return parse_marathon_time(value)


@dataclass(frozen=True)
class MarathonAppState:
    """What the planners need of a running app: id, scale, health checks, tasks, deployments."""

    id: str
    instances: int = 0
    tasks: tuple[MarathonTask, ...] = ()
    health_checks: tuple[Mapping[str, Any], ...] = ()
    tasks_running: int = 0
    tasks_healthy: int = 0
    deployments: tuple[str, ...] = ()
    last_task_failure: Mapping[str, Any] | None = None


def app_state_from_json(data: Mapping[str, Any]) -> MarathonAppState:
    """A MarathonAppState from Marathon's camelCase app JSON (tasks embedded or not)."""
    return MarathonAppState(
        id=str(data["id"]),
        instances=int(data.get("instances") or 0),
        tasks=tuple(task_from_json(t) for t in data.get("tasks") or ()),
        health_checks=tuple(data.get("healthChecks") or ()),
        tasks_running=int(data.get("tasksRunning") or 0),
        tasks_healthy=int(data.get("tasksHealthy") or 0),
        deployments=tuple(str(d.get("id")) for d in data.get("deployments") or ()),
        last_task_failure=data.get("lastTaskFailure"),
    )


def tasks_by_app(apps: Sequence[MarathonAppState]) -> dict[str, tuple[MarathonTask, ...]]:
    """``{app id: tasks}`` for the given apps."""
    return {app.id: app.tasks for app in apps}


def get_matching_apps(apps: Iterable[MarathonAppState], service: str, instance: str) -> list[MarathonAppState]:
    """The apps of service.instance (any git/config hash), by app id prefix."""
    return [app for app in apps if is_app_of_instance(app.id, service, instance)]
