"""The Chronos 2.x scheduler: schedule streams, the task queue, runs, retries and dependencies.

``tick()`` runs every ``reconcile_interval``: it schedules occurrences that fall within the horizon
(rewriting each job's stored schedule as Chronos does), launches due tasks (one running copy per
job), and collects finished tasks into counters, retries and dependent runs.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import math
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from paasta_tools.devcluster.chronos import jobs as job_docs
from paasta_tools.devcluster.chronos.schedules import (
    add_period,
    is_cron,
    next_cron,
    parse_iso_schedule,
    parse_period,
    periods_to_skip,
)
from paasta_tools.devcluster.chronos.state import ChronosState, RunRecord, TaskRecord
from paasta_tools.devcluster.chronos.tasks import (
    build_task_spec,
    clean_arguments,
    mesos_task,
    offer_matches,
    spec_from_doc,
    spec_to_doc,
    task_id,
)
from paasta_tools.devcluster.cluster import Cluster
from paasta_tools.devcluster.executors.base import TaskState, TaskStatus
from paasta_tools.devcluster.mesos.maintenance import agent_removed_message, machine_is_down

log = logging.getLogger(__name__)
LOG_TAIL_LINES = 1000
COMPLETED_TASKS_SHOWN = 100
MAX_OCCURRENCES_PER_ROUND = 1000


def _millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


class ChronosScheduler:
    """Chronos' JobScheduler and TaskManager over the cluster's executor; also the Mesos framework."""

    name = "chronos"

    def __init__(self, cluster: Cluster, clock: Callable[[], float] = time.time) -> None:
        self.cluster = cluster
        self.state = ChronosState(cluster.store)
        self.framework_id = cluster.framework_id(self.name)
        self.lock = asyncio.Lock()
        self._clock = clock
        # Chronos keeps the dependency edge counters in memory only.
        self._edge_counts: dict[tuple[str, str], int] = {}
        # Chronos' in-memory schedule streams (job name -> schedule): skipped occurrences advance the
        # stream only; the stored job takes the stream's value when an occurrence is queued from it.
        self._streams: dict[str, str] = {}
        # When each scheduled job next needs a look (its next occurrence enters the horizon).
        self._wake_at: dict[str, float] = {}
        # Processes of LOST tasks being stopped in the background (references keep the tasks alive).
        self._stopping: set[asyncio.Task] = set()

    def now(self) -> datetime:
        return datetime.fromtimestamp(self._clock(), UTC)

    # --- the job graph -------------------------------------------------------------------------

    def job(self, name: str) -> dict[str, Any]:
        """The job called ``name``; 400 ``Job '<name>' not found`` otherwise."""
        found = self.state.jobs.get(name)
        if found is None:
            raise job_docs.requirement_failed(f"Job '{name}' not found")
        return found

    def children(self, name: str) -> list[dict[str, Any]]:
        return [job for job in self.state.jobs.values() if name in job.get("parents", ())]

    def edges(self) -> list[tuple[str, str]]:
        return [(parent, job["name"]) for job in self.state.jobs.values() for parent in job.get("parents", ())]

    def _would_cycle(self, name: str, parents: list[str]) -> bool:
        seen: set[str] = set()
        pending = list(parents)
        while pending:
            current = pending.pop()
            if current == name:
                return True
            if current not in seen:
                seen.add(current)
                pending.extend(self.state.jobs.get(current, {}).get("parents", ()))
        return False

    def submit_scheduled(self, job: dict[str, Any]) -> None:
        """``POST/PUT /scheduler/iso8601``: create, or replace wholesale (edges to old parents go)."""
        existing = self.state.jobs.get(job["name"])
        job_docs.validate_scheduled(job, existing, self.now())
        with self.state.transaction():
            self.state.put_job(job)
            self.state.delete_cursor(job["name"])
            self._forget_memory(job["name"])
            self._schedule_job(job, self.now())

    def submit_dependent(self, job: dict[str, Any]) -> None:
        """``POST/PUT /scheduler/dependency``: create, or replace and rewire the parent edges."""
        existing = self.state.jobs.get(job["name"])
        job_docs.validate_dependent(job, existing, self.state.jobs)
        if self._would_cycle(job["name"], job["parents"]):
            raise job_docs.requirement_failed(f"Job {job['name']} would depend on itself through its parents")
        with self.state.transaction():
            self.state.put_job(job)
            self.state.delete_cursor(job["name"])
            self._forget_memory(job["name"])

    def _forget_memory(self, name: str) -> None:
        """Drop the in-memory stream and edge counters of a job that was replaced or deleted."""
        self._streams.pop(name, None)
        self._wake_at.pop(name, None)
        for edge in [edge for edge in self._edge_counts if name in edge]:
            del self._edge_counts[edge]

    def run_now(self, name: str, arguments: str | None = None) -> None:
        """``PUT /scheduler/job/<name>``: a task due now (attempt 0); parents are ignored."""
        job = self.job(name)
        self._enqueue(job, self.now(), 0, self._clock(), clean_arguments(arguments))

    def mark_success(self, name: str) -> bool:
        """``PUT /scheduler/job/success/<name>``: count a success and trigger the dependents."""
        job = self.state.jobs.get(name)
        if job is None:
            return False
        with self.state.transaction():
            self._on_success(job, self.now())
        return True

    async def delete(self, name: str) -> None:
        """``DELETE /scheduler/job/<name>``: rewire the children, cancel and kill the job's tasks."""
        job = self.job(name)
        with self.state.transaction():
            for child in self.children(name):
                self.state.put_job(self._orphaned(child, job))
            self.state.delete_job(name)
            self._forget_memory(name)
        await self.kill_tasks(name, must_exist=False)

    @staticmethod
    def _orphaned(child: dict[str, Any], removed: dict[str, Any]) -> dict[str, Any]:
        """``child`` after its parent ``removed`` is deleted."""
        remaining = [parent for parent in child["parents"] if parent != removed["name"]]
        if job_docs.is_dependent(removed):
            inherited = remaining + [parent for parent in removed["parents"] if parent not in remaining]
            return {**child, "parents": inherited}
        if remaining:
            return {**child, "parents": remaining}
        converted = {key: value for key, value in child.items() if key != "parents"}
        converted["schedule"] = removed["schedule"]
        converted["scheduleTimeZone"] = removed["scheduleTimeZone"]
        return converted

    async def kill_tasks(self, name: str, must_exist: bool = True) -> None:
        """``DELETE /scheduler/task/kill/<name>``: drop queued tasks, kill running ones (unknown: 500)."""
        if must_exist and name not in self.state.jobs:
            raise job_docs.ChronosRequestError(500)
        for task in self.state.tasks_of(name):
            if task.running:
                await self.cluster.executor.kill(task.task_id)
            else:
                self.state.delete_task(task.task_id)

    def purge_queue(self) -> None:
        """``DELETE /scheduler/task/all``: every queued (not yet running) task is dropped."""
        for task in list(self.state.tasks.values()):
            if not task.running:
                self.state.delete_task(task.task_id)

    def complete_async_task(self, task: str, status_code: int) -> None:
        """``PUT /scheduler/task/<id>``: an async job reports its end (0 = success)."""
        parts = task.split(":", 4)
        if len(parts) < 5 or parts[0] != "ct" or not parts[2].isdigit():
            raise job_docs.requirement_failed(f"Invalid task id format {task}")
        job = self.job(parts[3])
        record = self.state.tasks.get(task) or TaskRecord(task, job["name"], int(parts[2]), self._clock(), parts[4])
        with self.state.transaction():
            self.state.delete_task(task)
            if status_code == 0:
                self._on_success(job, self.now())
            else:
                self._on_failure(job, record, self.now())

    def job_state(self, name: str) -> str:
        """idle, queued or running (graph CSV)."""
        tasks = self.state.tasks_of(name)
        if any(task.running for task in tasks):
            return "running"
        if any(task.run_at <= self._clock() for task in tasks):
            return "queued"
        return "idle"

    # --- scheduling -----------------------------------------------------------------------------

    def _enqueue(self, job: dict[str, Any], due: datetime, attempt: int, run_at: float, arguments: str = "") -> None:
        task = task_id(_millis(due), attempt, job["name"], arguments)
        if task not in self.state.tasks:
            record = TaskRecord(task, job["name"], attempt, run_at, arguments, job["highPriority"])
            self.state.put_task(record)

    def _schedule_job(self, job: dict[str, Any], now: datetime) -> None:
        if job_docs.is_dependent(job) or job["disabled"] or now.timestamp() < self._wake_at.get(job["name"], 0.0):
            return
        if is_cron(job["schedule"]):
            self._schedule_cron(job, now)
        else:
            self._schedule_iso(job, now)

    def _horizon(self) -> timedelta:
        return timedelta(seconds=self.cluster.settings.chronos_schedule_horizon)

    def _cutoff(self, job: dict[str, Any], now: datetime) -> datetime:
        """Occurrences at or before ``now - epsilon`` are missed and skipped, never caught up."""
        return add_period(now, parse_period(job["epsilon"]), -1)

    def _schedule_iso(self, job: dict[str, Any], now: datetime) -> None:
        """Queue every occurrence inside the horizon; the stored job takes the stream once one is queued."""
        name = job["name"]
        try:
            schedule = parse_iso_schedule(self._streams.get(name, job["schedule"]), job["scheduleTimeZone"], now)
        except (ValueError, OverflowError):
            return
        cutoff, horizon_end = self._cutoff(job, now), now + self._horizon()
        queued = False
        for _ in range(MAX_OCCURRENCES_PER_ROUND):
            if schedule.repeat == 0 or schedule.start >= horizon_end:
                break
            if schedule.start <= cutoff:  # missed by more than epsilon: skipped, never caught up
                schedule = schedule.advanced(periods_to_skip(schedule.start, schedule.period, cutoff))
                continue
            self._enqueue(job, schedule.start, 0, schedule.start.timestamp())
            schedule = schedule.advanced()
            queued = True
        self._streams[name] = schedule.format()
        self._wake_at[name] = self._wake_time(None if schedule.repeat == 0 else schedule.start)
        if queued:
            self.state.put_job({**job, "schedule": self._streams[name]})

    def _schedule_cron(self, job: dict[str, Any], now: datetime) -> None:
        expression, zone = job["schedule"], job["scheduleTimeZone"]
        cursor = self.state.cursors.get(job["name"])
        upcoming = datetime.fromisoformat(cursor) if cursor else next_cron(expression, now, zone)
        cutoff = self._cutoff(job, now)
        if upcoming <= cutoff:
            upcoming = next_cron(expression, cutoff, zone)
        if upcoming < now + self._horizon():
            self._enqueue(job, upcoming, 0, upcoming.timestamp())
            upcoming = next_cron(expression, upcoming, zone)
        if upcoming.isoformat() != cursor:
            self.state.set_cursor(job["name"], upcoming.isoformat())
        self._wake_at[job["name"]] = self._wake_time(upcoming)

    def _wake_time(self, upcoming: datetime | None) -> float:
        if upcoming is None:
            return math.inf
        return (upcoming - self._horizon()).timestamp()

    def schedule_all(self, now: datetime) -> None:
        with self.state.transaction():
            for job in list(self.state.jobs.values()):
                try:
                    self._schedule_job(job, now)
                except Exception:  # one broken job never stops the others
                    log.exception("Cannot schedule Chronos job %r", job.get("name"))

    # --- running tasks --------------------------------------------------------------------------

    async def launch_due(self) -> None:
        """Start every due task, high priority first; a job already running discards its copy."""
        if machine_is_down(self.cluster):
            return  # a machine DOWN for maintenance sends no offers: due tasks stay queued
        now = self._clock()
        due = sorted(
            (task for task in self.state.tasks.values() if not task.running and task.run_at <= now),
            key=lambda task: (not task.high_priority, task.run_at),
        )
        busy = {task.job for task in self.state.tasks.values() if task.running}
        agent = self.cluster.agent
        for task in due:
            job = self.state.jobs.get(task.job)
            if job is None or job["disabled"] or task.job in busy:
                self.state.delete_task(task.task_id)
                continue
            if not offer_matches(job, agent.attributes, agent.hostname):
                continue  # no offer satisfies its constraints: it stays queued
            busy.add(task.job)
            await self._launch(task, job, now)

    async def _launch(self, task: TaskRecord, job: dict[str, Any], now: float) -> None:
        spec = build_task_spec(job, task.task_id, task.arguments, self.cluster.agent.hostname)
        started = dataclasses.replace(task, started_at=now, spec=spec_to_doc(spec))
        self.state.put_task(started)
        try:
            await self.cluster.executor.launch(spec)
        except Exception as exc:  # a task that cannot start fails like TASK_FAILED
            log.warning("Cannot launch Chronos task %s: %s", task.task_id, exc)
            status = TaskStatus(TaskState.FAILED, None, str(exc), now, self._clock())
            await self._finish(started, status, "", str(exc))

    async def collect_finished(self) -> None:
        running = [task for task in self.state.tasks.values() if task.running]
        if not running:
            return
        statuses = await self.cluster.executor.poll()
        for task in running:
            status = statuses.get(task.task_id)
            if status is not None and status.state.is_terminal:
                await self._collect(task, status)

    async def _collect(self, task: TaskRecord, status: TaskStatus) -> None:
        try:
            stdout, stderr = await self.cluster.executor.logs(task.task_id, tail=LOG_TAIL_LINES)
        except Exception:
            stdout, stderr = "", ""
        await self._finish(task, status, stdout, stderr)
        try:
            await self.cluster.executor.forget(task.task_id)
        except Exception:
            log.exception("Cannot forget Chronos task %s", task.task_id)

    async def _finish(self, task: TaskRecord, status: TaskStatus, stdout: str, stderr: str) -> None:
        finished = status.finished_at or self._clock()
        spec = task.spec or {}
        run = RunRecord(
            task_id=task.task_id,
            job=task.job,
            attempt=task.attempt,
            state=status.state.value,
            exit_code=status.exit_code,
            message=status.message,
            started_at=status.started_at or task.started_at or finished,
            finished_at=finished,
            stdout=stdout,
            stderr=stderr,
            resources={key: spec.get(key, 0.0) for key in ("cpus", "mem", "disk")},
        )
        with self.state.transaction():
            self.state.delete_task(task.task_id)
            self.state.add_run(run)
            job = self.state.jobs.get(task.job)
            if job is None or status.state == TaskState.KILLED:
                return  # a killed task counts neither as a success nor as a failure
            when = self.now()
            if run.succeeded:
                self._on_success(job, when)
            else:
                self._on_failure(job, task, when)

    def _exhausted(self, job: dict[str, Any]) -> bool:
        """A scheduled job whose schedule has no runs left (``R0/...``)."""
        return not job_docs.is_dependent(job) and job["schedule"].startswith("R0/")

    def _on_success(self, job: dict[str, Any], when: datetime) -> None:
        stamp = job_docs.format_timestamp(when)
        job = {**job, "successCount": job["successCount"] + 1, "errorsSinceLastSuccess": 0, "lastSuccess": stamp}
        if self._exhausted(job):
            job["disabled"] = True
        self.state.put_job(job)
        self._trigger_children(job["name"], when)

    def _may_retry(self, job: dict[str, Any], attempt: int) -> bool:
        if attempt >= job["retries"]:
            return False
        if not job["lastError"]:
            return True
        try:
            success = job_docs.parse_timestamp(job["lastSuccess"]) if job["lastSuccess"] else None
            return success is not None and success >= job_docs.parse_timestamp(job["lastError"])
        except ValueError:
            return False

    def _on_failure(self, job: dict[str, Any], task: TaskRecord, when: datetime) -> None:
        if self._may_retry(job, task.attempt):
            retry_at = when.timestamp() + self.cluster.settings.chronos_failure_retry
            self._enqueue(job, when, task.attempt + 1, retry_at, task.arguments)
            return
        stamp = job_docs.format_timestamp(when)
        job = {
            **job,
            "errorCount": job["errorCount"] + 1,
            "errorsSinceLastSuccess": job["errorsSinceLastSuccess"] + 1,
            "lastError": stamp,
        }
        if self._exhausted(job):
            job["disabled"] = True
        self.state.put_job(job)
        if job["softError"]:
            self._trigger_children(job["name"], when)

    def _trigger_children(self, parent: str, when: datetime) -> None:
        """Enqueue the children whose every parent has now succeeded since their last trigger."""
        for child in self.children(parent):
            parents = child["parents"]
            ready = len(parents) == 1
            if not ready:
                edge = (parent, child["name"])
                count = self._edge_counts.get(edge, 0) + 1
                self._edge_counts[edge] = count
                ready = count == min(self._edge_counts.get((name, child["name"]), 0) for name in parents)
            if ready and not child["disabled"]:
                self._enqueue(child, when, 0, when.timestamp())

    async def tick(self) -> None:
        """One scheduler round: schedule, launch what is due, collect what finished."""
        self.schedule_all(self.now())
        await self.lose_tasks_of_a_down_machine()
        await self.launch_due()
        await self.collect_finished()

    async def lose_tasks_of_a_down_machine(self) -> None:
        """A machine brought DOWN loses its agent: Mesos reports its running tasks TASK_LOST, which Chronos
        handles as failures (retried once offers come back); the processes are stopped in the background."""
        if not machine_is_down(self.cluster):
            return
        now, message = self._clock(), agent_removed_message(self.cluster)
        for task in [task for task in self.state.tasks.values() if task.running]:
            try:
                stdout, stderr = await self.cluster.executor.logs(task.task_id, tail=LOG_TAIL_LINES)
            except Exception:
                stdout, stderr = "", ""
            await self._finish(task, TaskStatus(TaskState.LOST, None, message, task.started_at, now), stdout, stderr)
            stopping = asyncio.create_task(self._stop_lost(task.task_id))
            self._stopping.add(stopping)
            stopping.add_done_callback(self._stopping.discard)

    async def _stop_lost(self, task_id: str) -> None:
        try:
            await self.cluster.executor.kill(task_id)
            await self.cluster.executor.forget(task_id)
        except Exception:
            log.exception("Cannot stop the lost Chronos task %s", task_id)

    async def recover(self) -> None:
        """After a restart: reattach to running tasks; those that ended meanwhile are finished now."""
        running = [task for task in self.state.tasks.values() if task.running and task.spec]
        if not running:
            return
        statuses = await self.cluster.executor.recover([spec_from_doc(task.spec) for task in running])
        for task in running:
            status = statuses.get(task.task_id)
            if status is not None and status.state.is_terminal:
                await self._collect(task, status)

    async def run_forever(self, interval: float) -> None:
        try:
            async with self.lock:
                await self.recover()
        except Exception:
            log.exception("Cannot recover Chronos tasks")
        while True:
            try:
                async with self.lock:
                    await self.tick()
            except Exception:
                log.exception("Chronos scheduler round failed")
            await asyncio.sleep(interval)

    # --- the Mesos framework view ---------------------------------------------------------------

    def _ids(self) -> dict[str, str]:
        return {"framework_id": self.framework_id, "slave_id": self.cluster.agent.agent_id}

    def mesos_tasks(self) -> list[dict[str, Any]]:
        tasks = []
        for task in self.state.tasks.values():
            if task.running and task.spec:
                resources = {key: task.spec[key] for key in ("cpus", "mem", "disk")}
                timestamps = [(TaskState.RUNNING.value, task.started_at or 0.0)]
                tasks.append(
                    mesos_task(task.task_id, task.job, resources, TaskState.RUNNING.value, timestamps, self._ids())
                )
        return tasks

    def completed_mesos_tasks(self) -> list[dict[str, Any]]:
        return [
            mesos_task(
                run.task_id,
                run.job,
                run.resources,
                run.state,
                [(TaskState.RUNNING.value, run.started_at), (run.state, run.finished_at)],
                self._ids(),
            )
            for run in self.state.recent_runs(COMPLETED_TASKS_SHOWN)
        ]
