"""``paasta metastatus -a``: the Marathon apps whose instance autoscales (``max_instances`` set).

Pure: rows from the apps Marathon lists, the instances' soa-configs and the counts the autoscaler
stored in ZooKeeper; the desired count is the one the app builder would give the app.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

from paasta_tools.errors import InvalidJobNameError
from paasta_tools.marathon.job_id import deformat_job_id
from paasta_tools.status.text import format_table

UNKNOWN = "unknown"


@dataclass(frozen=True)
class AutoscalingInfo:
    """One autoscaled app; ``desired_instances`` is None when ZooKeeper could not be read."""

    service: str
    instance: str
    current_instances: int
    desired_instances: int | None
    min_instances: int
    max_instances: int


def autoscaling_infos(
    apps: Iterable[Any],
    configs: Mapping[tuple[str, str], Any],
    zk_counts: Mapping[tuple[str, str], int | None] | None,
) -> list[AutoscalingInfo]:
    """A row per app (``.id``, ``.instances``) of an instance in ``configs`` (its LongRunningServiceConfig).

    ``zk_counts`` maps (service, instance) to the autoscaler's stored count (None: no node); the
    whole mapping is None when ZooKeeper could not be read.  Rows are sorted by service, instance.
    """
    rows = []
    for app in apps:
        try:
            job = deformat_job_id(app.id)
        except InvalidJobNameError:
            continue  # not an app paasta made
        config = configs.get((job.service, job.instance))
        if config is None:
            continue
        desired = None if zk_counts is None else config.get_instances(zk_counts.get((job.service, job.instance)))
        rows.append(
            AutoscalingInfo(
                job.service,
                job.instance,
                int(app.instances),
                desired,
                config.get_min_instances(),
                config.get_max_instances(),
            )
        )
    return sorted(rows, key=lambda row: (row.service, row.instance))


def _cells(row: AutoscalingInfo) -> list[str]:
    return [UNKNOWN if value is None else str(value) for value in (getattr(row, f.name) for f in fields(row))]


def autoscaling_lines(rows: Sequence[AutoscalingInfo], zk_error: str | None = None) -> list[str]:
    """``Autoscaling Info:`` and a table of the rows (headers from the field names), indented under Marathon."""
    lines = ["  Autoscaling Info:"]
    if zk_error is not None:
        lines.append(f"    Unable to read the autoscaled counts from ZooKeeper: {zk_error}")
    if not rows:
        return lines + ["    No Marathon app of an instance with max_instances"]
    headers = [f.name.replace("_", " ").capitalize() for f in fields(AutoscalingInfo)]
    return lines + [f"    {line}" for line in format_table([headers, *(_cells(row) for row in rows)])]
