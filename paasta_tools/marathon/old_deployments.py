"""Which Marathon deployments have been running too long (``delete_old_marathon_deployments``).

A deployment's ``version`` is the time it started (ISO 8601); one older than the allowed age is stuck
(an app that cannot be placed, tasks that never become healthy) and holds its apps' lock.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class DeploymentAge:
    deployment_id: str
    app_id: str
    age: datetime.timedelta
    too_old: bool

    @property
    def age_text(self) -> str:
        """The age as ``H:MM:SS`` (days first when there are any), whole seconds."""
        return str(datetime.timedelta(seconds=int(self.age.total_seconds())))


def _started_at(version: Any) -> datetime.datetime | None:
    try:
        started = datetime.datetime.fromisoformat(str(version).replace("Z", "+00:00"))
    except ValueError:
        return None
    return started if started.tzinfo else started.replace(tzinfo=datetime.UTC)


def deployment_ages(
    deployments: Iterable[Mapping[str, Any]], max_age: datetime.timedelta, now: datetime.datetime
) -> list[DeploymentAge]:
    """Each deployment of ``GET /v2/deployments`` with its age; ones without a readable version are left out."""
    ages = []
    for deployment in deployments:
        started = _started_at(deployment.get("version"))
        if started is None:
            continue
        apps = deployment.get("affectedApps") or [""]
        age = now - started
        ages.append(DeploymentAge(str(deployment.get("id")), str(apps[0]), age, age > max_age))
    return ages
