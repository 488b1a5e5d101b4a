"""The Mesos tasks ``paasta status`` shows under a Marathon instance or a Chronos job.

Rows are built from the master's ``/master/state`` (running and completed tasks of every framework); each caller
picks its own tasks, splits them with :func:`running_and_recent` and renders the two tables upstream printed:
running tasks with their resources, and the most recent others in grey.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from paasta_tools.status.colors import Palette
from paasta_tools.status.text import deployed_at

NON_RUNNING_TASKS_SHOWN = 10
RUNNING_HEADER = ("Mesos Task ID", "Host deployed to", "Ram", "CPU", "Deployed at what localtime")
NON_RUNNING_HEADER = ("Mesos Task ID", "Host deployed to", "Deployed at what localtime", "Status")


@dataclass(frozen=True)
class StreamTail:
    """The last lines of one sandbox file (``stdout`` or ``stderr``)."""

    path: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class TaskTails:
    """A task's stdout/stderr tails (``-vv``), or why they could not be read."""

    streams: tuple[StreamTail, ...] = ()
    error: str | None = None


@dataclass(frozen=True)
class MesosTaskRow:
    """One Mesos task: where it runs, its resources, when it started and its state."""

    task_id: str
    host: str
    mem: float | None
    cpus: float | None
    deployed_at: datetime.datetime | None
    state: str


@dataclass(frozen=True)
class TailedTaskRow(MesosTaskRow):
    """A Marathon instance's task row, with its stdout/stderr tails once read (``-vv``)."""

    tails: TaskTails | None = None


RowT = TypeVar("RowT", bound=MesosTaskRow)


def _epoch(value: Any) -> datetime.datetime | None:
    try:
        return datetime.datetime.fromtimestamp(float(value), datetime.UTC)
    except (TypeError, ValueError, OverflowError):
        return None


def mesos_task_rows(state: Mapping[str, Any] | None, row_type: type[RowT] = MesosTaskRow) -> list[RowT]:
    """Every task of the master state (running, then completed, framework by framework) as a ``row_type``."""
    hosts = {str(s.get("id")): str(s.get("hostname")) for s in (state or {}).get("slaves") or ()}
    rows = []
    for framework in (state or {}).get("frameworks") or ():
        for task in [*(framework.get("tasks") or ()), *(framework.get("completed_tasks") or ())]:
            resources = task.get("resources") or {}
            statuses = task.get("statuses") or [{}]
            rows.append(
                row_type(
                    task_id=str(task.get("id") or ""),
                    host=hosts.get(str(task.get("slave_id")), "Unknown"),
                    mem=resources.get("mem"),
                    cpus=resources.get("cpus"),
                    deployed_at=_epoch(statuses[0].get("timestamp")),
                    state=str(task.get("state") or ""),
                )
            )
    return rows


def running_and_recent(rows: Iterable[RowT]) -> tuple[tuple[RowT, ...], tuple[RowT, ...]]:
    """(the TASK_RUNNING rows, the others newest first and at most NON_RUNNING_TASKS_SHOWN)."""
    rows = list(rows)
    epoch = datetime.datetime.min.replace(tzinfo=datetime.UTC)
    others = sorted((r for r in rows if r.state != "TASK_RUNNING"), key=lambda r: r.deployed_at or epoch, reverse=True)
    return tuple(r for r in rows if r.state == "TASK_RUNNING"), tuple(others[:NON_RUNNING_TASKS_SHOWN])


def _resource(value: float | None, unit: str = "") -> str:
    return "?" if value is None else f"{value:g}{unit}"


def running_task_cells(row: MesosTaskRow, task_id: str, now: datetime.datetime) -> tuple[str, ...]:
    """A row of the running tasks table (under RUNNING_HEADER), the task shown as ``task_id``."""
    return (task_id, row.host, _resource(row.mem, "MB"), _resource(row.cpus), deployed_at(row.deployed_at, now))


def non_running_table(
    rows: Iterable[MesosTaskRow], show_id: Callable[[str], str], now: datetime.datetime, p: Palette
) -> list[Sequence[str]]:
    """The grey header and rows of the non-running tasks table (ids shown through ``show_id``)."""
    table: list[Sequence[str]] = [tuple(p.grey(c) for c in NON_RUNNING_HEADER)]
    for row in rows:
        cells = (show_id(row.task_id), row.host, deployed_at(row.deployed_at, now), row.state)
        table.append(tuple(p.grey(c) for c in cells))
    return table
