"""``paasta status`` of Chronos instances: the job and its temporary reruns, last runs, schedule and Mesos tasks.

``build_chronos_status`` is pure (config, Chronos job list, graph CSV and Mesos state in; a frozen
ChronosInstanceStatus out); ``render_chronos_status`` prints upstream's chronos_serviceinit lines.  The fetching is in
``paasta_tools.operations.chronos_status``.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from paasta_tools.chronos.job_name import decompose_job_id, jobs_of_instance
from paasta_tools.chronos.last_run import get_status_last_run, parse_scheduler_graph, sort_jobs
from paasta_tools.deployments import sha_from_docker_image
from paasta_tools.status.colors import Palette
from paasta_tools.status.mesos_tasks import (
    RUNNING_HEADER,
    MesosTaskRow,
    mesos_task_rows,
    non_running_table,
    running_and_recent,
    running_task_cells,
)
from paasta_tools.status.text import age, format_table, local_minutes


@dataclass(frozen=True)
class TaskOutput:
    """The tails of a task's stdout and stderr (``-vv``), or why they could not be read."""

    task_id: str
    stdout: tuple[str, ...] = ()
    stderr: tuple[str, ...] = ()
    error: str | None = None


@dataclass(frozen=True)
class ParentResult:
    """The last run of a dependent job's parent (``last_result`` NotRun when Chronos lacks it)."""

    name: str
    last_result: str
    last_time: datetime.datetime | None


@dataclass(frozen=True)
class ChronosJobStatus:
    """One Chronos job of an instance (the regular one or a ``paasta rerun`` copy)."""

    name: str
    temporary: bool
    disabled: bool
    graph_state: str | None
    last_result: str  # Success, Fail or NotRun
    last_time: datetime.datetime | None
    schedule: str | None
    time_zone: str | None
    epsilon: str | None
    parents: tuple[str, ...]
    command: str | None
    running_tasks: tuple[MesosTaskRow, ...] = ()
    other_tasks: tuple[MesosTaskRow, ...] = ()
    parent_results: tuple[ParentResult, ...] = ()
    outputs: tuple[TaskOutput, ...] = ()

    @property
    def tasks(self) -> tuple[MesosTaskRow, ...]:
        return self.running_tasks + self.other_tasks


@dataclass(frozen=True)
class ChronosInstanceStatus:
    """Everything ``paasta status`` shows of a Chronos instance."""

    instance_type: ClassVar[str] = "chronos"

    service: str
    instance: str
    cluster: str
    git_sha: str
    desired_disabled: bool
    jobs: tuple[ChronosJobStatus, ...]
    now: datetime.datetime
    mesos_error: str | None = None


def job_of_task_id(task_id: str) -> str | None:
    """The job name inside a Chronos task id ``ct:<due ms>:<attempt>:<job name>:<arguments>``."""
    parts = task_id.split(":")
    return parts[3] if len(parts) >= 4 and parts[0] == "ct" else None


def mesos_tasks_by_job(state: Mapping[str, Any] | None) -> dict[str, list[MesosTaskRow]]:
    """Chronos tasks of the Mesos master state (running and completed) by job name."""
    found: dict[str, list[MesosTaskRow]] = {}
    for row in mesos_task_rows(state):
        job = job_of_task_id(row.task_id)
        if job is not None:
            found.setdefault(job, []).append(row)
    return found


def instance_jobs(jobs: Sequence[Mapping[str, Any]], service: str, instance: str) -> list[Mapping[str, Any]]:
    """The jobs of one instance, temporary copies included, most recently run first."""
    return sort_jobs(jobs_of_instance(jobs, service, instance))


def parent_results(parents: Sequence[str], jobs_by_name: Mapping[str, Mapping[str, Any]]) -> tuple:
    """The last run of each parent, from the cluster's job list."""
    results = []
    for parent in parents:
        last = get_status_last_run(jobs_by_name.get(parent) or {})
        results.append(ParentResult(parent, last.state.value, last.time))
    return tuple(results)


def _time_zone(value: Any) -> str | None:
    # Chronos 2.x reads a JSON null scheduleTimeZone as the string "null" and returns it so.
    if not value or value == "null":
        return None
    return str(value)


def job_status(
    job: Mapping[str, Any],
    graph_states: Mapping[str, str],
    tasks: Sequence[MesosTaskRow],
    jobs_by_name: Mapping[str, Mapping[str, Any]] | None = None,
) -> ChronosJobStatus:
    """The ChronosJobStatus of one Chronos job (``jobs_by_name``: the cluster's jobs, for the parents' runs)."""
    name = str(job["name"])
    last = get_status_last_run(job)
    running, others = running_and_recent(tasks)
    return ChronosJobStatus(
        name=name,
        temporary=decompose_job_id(name).is_temporary,
        disabled=bool(job.get("disabled")),
        graph_state=graph_states.get(name),
        last_result=last.state.value,
        last_time=last.time,
        schedule=job.get("schedule") if "parents" not in job else None,
        time_zone=_time_zone(job.get("scheduleTimeZone")),
        epsilon=job.get("epsilon"),
        parents=tuple(job.get("parents") or ()),
        command=job.get("command"),
        running_tasks=running,
        other_tasks=others,
        parent_results=parent_results(job.get("parents") or (), jobs_by_name or {}),
    )


def build_chronos_status(
    config: Any,
    chronos_jobs: Sequence[Mapping[str, Any]],
    graph_csv: str,
    mesos_state: Mapping[str, Any] | None,
    now: datetime.datetime,
    mesos_error: str | None = None,
) -> ChronosInstanceStatus:
    """The status of the instance of ``config`` (a ChronosJobConfig with its deployments entry)."""
    states = {name: node.state for name, node in parse_scheduler_graph(graph_csv).items()}
    tasks = mesos_tasks_by_job(mesos_state)
    jobs = instance_jobs(chronos_jobs, config.service, config.instance)
    by_name = {str(job.get("name")): job for job in chronos_jobs}
    return ChronosInstanceStatus(
        service=config.service,
        instance=config.instance,
        cluster=config.cluster,
        git_sha=sha_from_docker_image(config.get_docker_image())[:8],
        desired_disabled=config.is_disabled(),
        jobs=tuple(job_status(job, states, tasks.get(str(job["name"]), ()), by_name) for job in jobs),
        now=now,
        mesos_error=mesos_error,
    )


# --- rendering -------------------------------------------------------------------------------


def _last_result(result: str, when: datetime.datetime | None, now: datetime.datetime, p: Palette) -> str:
    text = {"Fail": p.red("Failed"), "Success": p.green("OK")}.get(result, p.yellow("New"))
    return f"{text} ({local_minutes(when)}, {age(when, now)})" if when else f"{text} (never)"


def _schedule_lines(job: ChronosJobStatus, verbose: int, now: datetime.datetime, p: Palette) -> list[str]:
    if job.schedule is not None:
        return [f"  Schedule: {job.schedule} ({job.time_zone or 'UTC'}) Epsilon: {job.epsilon}"]
    if not job.parents:
        return [f"  Parents:  {p.yellow('None (Dependent Job).')}"]
    if verbose <= 0 or not job.parent_results:
        return [f"  Parents:  {','.join(job.parents)}"]
    lines = ["  Parents:"]
    for parent in job.parent_results:
        last = _last_result(parent.last_result, parent.last_time, now, p)
        lines += [f"    - {parent.name}", f"      Last Run: {last}"]
    return lines


def _task_tables(job: ChronosJobStatus, now: datetime.datetime, p: Palette) -> list[str]:
    rows = [RUNNING_HEADER, *(running_task_cells(t, t.task_id, now) for t in job.running_tasks)]
    grey = non_running_table(job.other_tasks, str, now, p)
    lines = ["    Running Tasks:", *(f"      {line}" for line in format_table(rows))]
    lines += [p.grey("    Non-Running Tasks"), *(f"      {line}" for line in format_table(grey))]
    return lines


def tail_lines_for(verbose: int) -> int:
    """Lines of stdout/stderr shown per task: 10 with -vv, 100 with -vvv, none below."""
    return 0 if verbose < 2 else 10 if verbose == 2 else 100


def _output_lines(output: TaskOutput, p: Palette) -> list[str]:
    if output.error is not None:
        return [p.red(f"      Could not read the output of {output.task_id}: {output.error}")]
    lines = []
    for stream, tail in (("stdout", output.stdout), ("stderr", output.stderr)):
        lines.append(p.blue(f"      {stream} tail for {output.task_id}"))
        lines.extend(f"        {line}" for line in tail)
        lines.append(p.blue(f"      {stream} EOF"))
    return lines


def render_job(job: ChronosJobStatus, verbose: int, now: datetime.datetime, p: Palette) -> list[str]:
    """The lines of one job, as upstream's ``format_chronos_job_status``."""
    suffix = " (Launched by paasta rerun)" if job.temporary else ""
    scheduled = p.grey("Not scheduled") if job.disabled else p.green("Scheduled")
    running = job.running_tasks or job.graph_state == "running"
    last = _last_result(job.last_result, job.last_time, now, p)
    lines = [
        f"Job:     {job.name}{suffix}",
        f"  Status:   {scheduled} ({p.grey(job.graph_state or 'unknown')})  Last:     {last}",
        *_schedule_lines(job, verbose, now, p),
        f"  Command:  {job.command}",
        f"  Mesos:    {p.yellow('Running') if running else p.grey('Not running')}",
    ]
    if verbose > 0:
        lines += _task_tables(job, now, p)
    for output in job.outputs if verbose > 1 else ():
        lines += _output_lines(output, p)
    return lines


def render_chronos_status(status: ChronosInstanceStatus, verbose: int, p: Palette) -> list[str]:
    """``Desired:`` then each job's lines (or a warning when Chronos has none)."""
    lines = [f"Desired:    {p.bold('Disabled' if status.desired_disabled else 'Scheduled')}"]
    if not status.jobs:
        return lines + [f"{p.yellow('Warning')}: chronos job is not set up yet"]
    for job in status.jobs:
        lines += render_job(job, verbose, status.now, p)
    if status.mesos_error and verbose > 0:
        lines.append(p.red(f"Error reading Mesos tasks: {status.mesos_error}"))
    return lines
