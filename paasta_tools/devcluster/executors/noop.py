"""An executor that runs nothing: every task is RUNNING at once until killed.

Used for benchmarks and API contract tests, where thousands of tasks must be cheap.
Chronos-style tasks (``framework == "chronos"``) finish successfully right away.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

from paasta_tools.devcluster.executors.base import Executor, TaskSpec, TaskState, TaskStatus


class NoopExecutor(Executor):
    name = "noop"

    def __init__(self) -> None:
        self._tasks: dict[str, TaskStatus] = {}

    async def launch(self, spec: TaskSpec) -> None:
        now = time.time()
        if spec.framework == "chronos":
            self._tasks[spec.task_id] = TaskStatus(TaskState.FINISHED, 0, "", now, now)
        else:
            self._tasks[spec.task_id] = TaskStatus(TaskState.RUNNING, started_at=now)

    async def kill(self, task_id: str, grace_seconds: float | None = None) -> None:
        status = self._tasks.get(task_id)
        if status is not None and not status.state.is_terminal:
            self._tasks[task_id] = TaskStatus(TaskState.KILLED, None, "killed", status.started_at, time.time())

    async def poll(self) -> Mapping[str, TaskStatus]:
        return self._tasks

    async def run_command_check(self, task_id: str, command: str, timeout: float) -> tuple[int, str]:
        return 0, ""

    async def logs(self, task_id: str, tail: int = 100) -> tuple[str, str]:
        return "", ""

    async def recover(self, specs: list[TaskSpec]) -> Mapping[str, TaskStatus]:
        for spec in specs:
            await self.launch(spec)
        return {spec.task_id: self._tasks[spec.task_id] for spec in specs}

    async def forget(self, task_id: str) -> None:
        self._tasks.pop(task_id, None)

    async def shutdown(self, kill_tasks: bool) -> None:
        self._tasks.clear()
