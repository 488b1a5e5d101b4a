"""The deploy status of a Marathon app (§4.12), from app and launch-queue data."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from paasta_tools.marathon.tasks import MarathonAppState


class MarathonDeployStatus(enum.Enum):
    Running = "Running"
    Deploying = "Deploying"
    Stopped = "Stopped"
    Delayed = "Delayed"
    Waiting = "Waiting"
    NotRunning = "NotRunning"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class QueueStatus:
    """An app's entry in ``/v2/queue``: instances left to launch and the launch backoff."""

    app_id: str
    count: int
    time_left_seconds: float
    overdue: bool


def queue_status_from_json(item: Mapping[str, Any]) -> QueueStatus:
    """A QueueStatus from one element of Marathon's ``{"queue": [...]}``."""
    delay = item.get("delay") or {}
    return QueueStatus(
        app_id=str((item.get("app") or {}).get("id", "")),
        count=int(item.get("count") or 0),
        time_left_seconds=float(delay.get("timeLeftSeconds") or 0),
        overdue=bool(delay.get("overdue")),
    )


def find_queue_status(queue: Iterable[QueueStatus], app_id: str) -> QueueStatus | None:
    """The queue entry of ``app_id`` (leading ``/`` optional), if it is queued."""
    wanted = "/" + app_id.lstrip("/")
    for item in queue:
        if "/" + item.app_id.lstrip("/") == wanted:
            return item
    return None


def get_deploy_status(app: MarathonAppState | None, queue_item: QueueStatus | None) -> MarathonDeployStatus:
    """NotRunning if absent; Waiting if its launch is overdue; Delayed in backoff;
    Deploying with active deployments; Stopped at 0 instances and 0 running; else Running."""
    if app is None:
        return MarathonDeployStatus.NotRunning
    if queue_item is not None and queue_item.overdue:
        return MarathonDeployStatus.Waiting
    if queue_item is not None and queue_item.time_left_seconds > 0:
        return MarathonDeployStatus.Delayed
    if app.deployments:
        return MarathonDeployStatus.Deploying
    if app.instances == 0 and app.tasks_running == 0:
        return MarathonDeployStatus.Stopped
    return MarathonDeployStatus.Running
