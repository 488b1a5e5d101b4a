"""What Chronos says about past runs: last-run state from ``lastSuccess``/``lastError``, the newest job first,
whether a job is overdue, and the scheduler graph CSV (``node,<name>,<lastRunStatus>,<state>``).
"""

from __future__ import annotations

import csv
import datetime
import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import isodate

from paasta_tools.chronos.job_name import is_temporary_job_name

UTC = datetime.UTC
TMP_JOB_MAX_AGE = datetime.timedelta(hours=24)


class LastRunState(enum.Enum):
    SUCCESS = "Success"
    FAIL = "Fail"
    NOT_RUN = "NotRun"


@dataclass(frozen=True)
class LastRun:
    """The state of a job's most recent finished run and its Chronos timestamp (None when it never ran)."""

    state: LastRunState
    timestamp: str | None

    @property
    def time(self) -> datetime.datetime | None:
        return parse_chronos_time(self.timestamp)


@dataclass(frozen=True)
class GraphNode:
    """One ``node`` line of ``/scheduler/graph/csv``."""

    name: str
    last_run_status: str  # fresh, success or failure
    state: str  # idle, queued or running (3.x writes "<n> running")

    @property
    def is_running(self) -> bool:
        return self.state.endswith("running")


def parse_chronos_time(value: str | None) -> datetime.datetime | None:
    """A Chronos ISO timestamp (``2014-03-08T16:57:17.507Z``) as an aware datetime; None for ``""``/None/garbage."""
    if not value:
        return None
    try:
        moment = isodate.parse_datetime(value)
    except (ValueError, isodate.ISO8601Error):
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def get_status_last_run(job: Mapping[str, Any]) -> LastRun:
    """NotRun when neither ``lastSuccess`` nor ``lastError`` is set, else the more recent of the two."""
    success, error = job.get("lastSuccess") or None, job.get("lastError") or None
    if success is None and error is None:
        return LastRun(LastRunState.NOT_RUN, None)
    if error is None:
        return LastRun(LastRunState.SUCCESS, success)
    if success is None:
        return LastRun(LastRunState.FAIL, error)
    success_time, error_time = parse_chronos_time(success), parse_chronos_time(error)
    if success_time is not None and (error_time is None or success_time > error_time):
        return LastRun(LastRunState.SUCCESS, success)
    return LastRun(LastRunState.FAIL, error)


_NEVER = datetime.datetime.min.replace(tzinfo=UTC)


def _latest_activity(job: Mapping[str, Any]) -> datetime.datetime:
    times = [parse_chronos_time(job.get(key)) for key in ("lastSuccess", "lastError")]
    return max((t for t in times if t is not None), default=_NEVER)


def sort_jobs(jobs: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Jobs ordered by their latest run (success or error), most recent first; never-run jobs last."""
    return sorted(jobs, key=_latest_activity, reverse=True)


def job_is_stuck(last_run: str | None, interval_seconds: float | None, now: datetime.datetime) -> bool:
    """True when the job should have run again by ``now`` (aware): ``last_run + interval < now``."""
    last = parse_chronos_time(last_run)
    if last is None or interval_seconds is None:
        return False
    return last + datetime.timedelta(seconds=interval_seconds) < now


def parse_scheduler_graph(csv_text: str) -> dict[str, GraphNode]:
    """The ``node`` lines of Chronos' graph CSV by job name (``link`` lines and malformed lines are skipped)."""
    nodes = {}
    for row in csv.reader(csv_text.splitlines()):
        if len(row) >= 4 and row[0] == "node":
            nodes[row[1]] = GraphNode(name=row[1], last_run_status=row[2], state=row[3])
    return nodes


def parse_scheduler_graph_links(csv_text: str) -> list[tuple[str, str]]:
    """The ``link,<parent>,<child>`` lines of Chronos' graph CSV as (parent, child) pairs."""
    return [(row[1], row[2]) for row in csv.reader(csv_text.splitlines()) if len(row) >= 3 and row[0] == "link"]


def get_job_state(csv_text: str, job_name: str) -> str | None:
    """The scheduler state (idle/queued/running) of ``job_name`` from the graph CSV, or None if absent."""
    node = parse_scheduler_graph(csv_text).get(job_name)
    return node.state if node is not None else None


def is_expired_tmp_job(
    job: Mapping[str, Any], now: datetime.datetime, max_age: datetime.timedelta = TMP_JOB_MAX_AGE
) -> bool:
    """True for a temporary (rerun) job whose last run, success or failure, finished more than ``max_age`` ago.

    A temporary job that has not run yet is never expired; a regular job never is.
    """
    if not is_temporary_job_name(str(job.get("name", ""))):
        return False
    finished = get_status_last_run(job).time
    return finished is not None and now - finished > max_age
