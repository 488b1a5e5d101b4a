"""Read-only Chronos answers built from data: graph CSV/DOT, job stats and latency percentiles."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from paasta_tools.devcluster.chronos.jobs import last_run_status
from paasta_tools.devcluster.chronos.state import RunRecord

PERCENTILES = {
    "75thPercentile": 0.75,
    "95thPercentile": 0.95,
    "98thPercentile": 0.98,
    "99thPercentile": 0.99,
    "median": 0.5,
}
STAT_NAMES = (*PERCENTILES, "mean")
DOT_COLORS = {"success": "green", "failure": "red", "fresh": "white"}


def graph_csv(jobs: Iterable[dict[str, Any]], edges: Iterable[tuple[str, str]], state_of: Callable[[str], str]) -> str:
    """``node,<name>,<fresh|success|failure>,<idle|queued|running>`` lines, then ``link,<parent>,<child>``."""
    lines = [f"node,{job['name']},{last_run_status(job)},{state_of(job['name'])}\n" for job in jobs]
    lines.extend(f"link,{parent},{child}\n" for parent, child in edges)
    return "".join(lines)


def graph_dot(jobs: Iterable[dict[str, Any]], edges: Iterable[tuple[str, str]]) -> str:
    """The dependency DAG in Graphviz DOT, nodes coloured by their last run."""
    lines = ["digraph G {", "  node [style=filled];"]
    for job in jobs:
        color = DOT_COLORS[last_run_status(job)]
        lines.append(f'  "{job["name"]}" [fillcolor="{color}"];')
    lines.extend(f'  "{parent}" -> "{child}";' for parent, child in edges)
    lines.append("}")
    return "\n".join(lines) + "\n"


def jobs_summary(jobs: Iterable[dict[str, Any]], state_of: Callable[[str], str]) -> dict[str, Any]:
    """3.x ``GET /v1/scheduler/jobs/summary``; a running job's state reads ``1 running``."""
    summaries = []
    for job in jobs:
        state = state_of(job["name"])
        summaries.append(
            {
                "name": job["name"],
                "status": last_run_status(job),
                "state": "1 running" if state == "running" else state,
                "schedule": job.get("schedule", ""),
                "parents": job.get("parents", []),
                "disabled": job["disabled"],
            }
        )
    return {"jobs": summaries}


def _quantile(values: list[float], quantile: float) -> float:
    """Codahale's snapshot quantile: linear interpolation at position q*(n+1)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    position = quantile * (len(ordered) + 1)
    if position < 1:
        return ordered[0]
    if position >= len(ordered):
        return ordered[-1]
    lower = ordered[int(position) - 1]
    upper = ordered[int(position)]
    return lower + (position - int(position)) * (upper - lower)


def _durations(runs: Iterable[RunRecord]) -> list[float]:
    return [run.finished_at - run.started_at for run in runs if run.succeeded]


def histogram(runs: Iterable[RunRecord]) -> dict[str, float | int]:
    """The job's run-time histogram in seconds (successful runs), as the stat endpoint shows it."""
    durations = _durations(runs)
    summary: dict[str, float | int] = {name: _quantile(durations, q) for name, q in PERCENTILES.items()}
    summary["mean"] = sum(durations) / len(durations) if durations else 0.0
    summary["count"] = len(durations)
    return summary


def _stat_time(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%m/%d/%y %H:%M:%S")


def _duration_text(seconds: float) -> str:
    """Joda ``PeriodFormatterBuilder`` days/hours/minutes then zero-printed seconds: ``1m5s``, ``0s``."""
    whole = int(seconds)
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    text = "".join(f"{value}{unit}" for value, unit in ((days, "d"), (hours, "h"), (minutes, "m")) if value)
    return f"{text}{secs}s"


def task_stat(run: RunRecord, slave_id: str) -> dict[str, str]:
    return {
        "taskId": run.task_id,
        "jobName": run.job,
        "slaveId": slave_id,
        "startTime": _stat_time(run.started_at),
        "endTime": _stat_time(run.finished_at),
        "duration": _duration_text(run.finished_at - run.started_at),
        "status": "success" if run.succeeded else "fail",
    }


def job_stat(runs: list[RunRecord], slave_id: str) -> dict[str, Any]:
    """``GET /scheduler/job/stat/<name>``: histogram plus the newest runs first."""
    return {
        "histogram": histogram(runs),
        "taskStatHistory": [task_stat(run, slave_id) for run in reversed(runs)],
    }


def slowest_jobs(runs_by_job: dict[str, list[RunRecord]], stat: str) -> list[dict[str, Any]]:
    """``GET /scheduler/stats/<stat>``: ``[{"jobNameLabel", "time"}]``, slowest first."""
    rows = []
    for name, runs in runs_by_job.items():
        summary = histogram(runs)
        if summary["count"]:
            rows.append({"jobNameLabel": name, "time": summary[stat]})
    return sorted(rows, key=lambda row: row["time"], reverse=True)
