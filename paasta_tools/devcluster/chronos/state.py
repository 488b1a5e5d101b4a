"""Durable Chronos state in the cluster store: jobs, queued/running tasks, cron cursors, run history.

Every change is written through at once, so a devcluster killed with ``kill -9`` and restarted has
the same jobs, counters, pending runs and history.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from paasta_tools.devcluster.store import Store

JOB_KIND = "chronos_job"
TASK_KIND = "chronos_task"
CURSOR_KIND = "chronos_cron"
RUN_KIND = "chronos_run"
RUNS_KEPT_PER_JOB = 25


@dataclass(frozen=True)
class TaskRecord:
    """A Chronos task: queued until ``run_at``, then running once ``started_at`` is set."""

    task_id: str
    job: str
    attempt: int
    run_at: float
    arguments: str = ""
    high_priority: bool = False
    started_at: float | None = None
    spec: dict[str, Any] | None = None

    @property
    def running(self) -> bool:
        return self.started_at is not None


@dataclass(frozen=True)
class RunRecord:
    """One finished run of a job, with the output the task left."""

    task_id: str
    job: str
    attempt: int
    state: str
    exit_code: int | None
    message: str
    started_at: float
    finished_at: float
    stdout: str = ""
    stderr: str = ""
    resources: dict[str, float] = dataclasses.field(default_factory=dict)

    @property
    def succeeded(self) -> bool:
        return self.state == "TASK_FINISHED" and not self.exit_code


class ChronosState:
    """In-memory view of the Chronos documents, written through to ``store``."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self.jobs: dict[str, dict[str, Any]] = dict(store.list(JOB_KIND))
        self.tasks: dict[str, TaskRecord] = {key: TaskRecord(**doc) for key, doc in store.list(TASK_KIND)}
        self.cursors: dict[str, str] = dict(store.list(CURSOR_KIND))
        self._run_keys: dict[str, list[str]] = {}
        for key, doc in store.list(RUN_KIND):
            self._run_keys.setdefault(doc["job"], []).append(key)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self._store.transaction():
            yield

    def put_job(self, job: dict[str, Any]) -> None:
        self.jobs[job["name"]] = job
        self._store.put(JOB_KIND, job["name"], job)

    def delete_job(self, name: str) -> None:
        self.jobs.pop(name, None)
        self._store.delete(JOB_KIND, name)
        self.delete_cursor(name)

    def put_task(self, task: TaskRecord) -> None:
        self.tasks[task.task_id] = task
        self._store.put(TASK_KIND, task.task_id, dataclasses.asdict(task))

    def delete_task(self, task_id: str) -> None:
        self.tasks.pop(task_id, None)
        self._store.delete(TASK_KIND, task_id)

    def tasks_of(self, job: str) -> list[TaskRecord]:
        return [task for task in self.tasks.values() if task.job == job]

    def set_cursor(self, name: str, value: str) -> None:
        self.cursors[name] = value
        self._store.put(CURSOR_KIND, name, value)

    def delete_cursor(self, name: str) -> None:
        if self.cursors.pop(name, None) is not None:
            self._store.delete(CURSOR_KIND, name)

    def add_run(self, run: RunRecord) -> None:
        """Keep the run; only the newest RUNS_KEPT_PER_JOB runs of each job are kept."""
        key = f"{run.job}\t{int(run.finished_at * 1000):015d}\t{run.task_id}"
        self._store.put(RUN_KIND, key, dataclasses.asdict(run))
        keys = self._run_keys.setdefault(run.job, [])
        keys.append(key)
        keys.sort()
        while len(keys) > RUNS_KEPT_PER_JOB:
            self._store.delete(RUN_KIND, keys.pop(0))

    def runs_of(self, job: str) -> list[RunRecord]:
        """The job's kept runs, oldest first."""
        runs = []
        for key in self._run_keys.get(job, []):
            doc = self._store.get(RUN_KIND, key)
            if doc is not None:
                runs.append(RunRecord(**doc))
        return runs

    def recent_runs(self, limit: int) -> list[RunRecord]:
        """The newest ``limit`` runs of all jobs, oldest first."""
        keys = sorted((key for keys in self._run_keys.values() for key in keys), key=lambda key: key.split("\t")[1])[
            -limit:
        ]
        docs = (self._store.get(RUN_KIND, key) for key in keys)
        return [RunRecord(**doc) for doc in docs if doc is not None]
