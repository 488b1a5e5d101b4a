"""Choosing an executor: ``make_executor("auto" | "docker" | "process" | "noop", data_dir)``.

Under Docker, tasks without a container (Marathon apps with only ``cmd``) still run as local
processes, as the Mesos command executor would run them: ``CompositeExecutor`` routes each task.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from pathlib import Path

from paasta_tools.devcluster.executors.base import Executor, TaskSpec, TaskStatus
from paasta_tools.devcluster.executors.noop import NoopExecutor
from paasta_tools.devcluster.executors.process import ProcessExecutor

EXECUTOR_KINDS = ("auto", "docker", "process", "noop")


class ExecutorUnavailable(Exception):
    """The requested executor cannot run on this machine (e.g. no Docker engine answers)."""


class CompositeExecutor(Executor):
    """Containers go to ``containers``, everything else to ``processes``."""

    name = "docker"

    def __init__(self, containers: Executor, processes: Executor) -> None:
        self.containers = containers
        self.processes = processes
        self._owner: dict[str, Executor] = {}

    def _for_spec(self, spec: TaskSpec) -> Executor:
        return self.containers if spec.docker is not None else self.processes

    def _for_task(self, task_id: str) -> Executor | None:
        return self._owner.get(task_id)

    def bind_agent(self, agent_id: str) -> None:
        self.containers.bind_agent(agent_id)
        self.processes.bind_agent(agent_id)

    async def launch(self, spec: TaskSpec) -> None:
        executor = self._for_spec(spec)
        self._owner[spec.task_id] = executor
        try:
            await executor.launch(spec)
        except BaseException:
            self._owner.pop(spec.task_id, None)
            raise

    async def kill(self, task_id: str, grace_seconds: float | None = None) -> None:
        executor = self._for_task(task_id)
        if executor is not None:
            await executor.kill(task_id, grace_seconds)

    async def poll(self) -> Mapping[str, TaskStatus]:
        containers, processes = await asyncio.gather(self.containers.poll(), self.processes.poll())
        return {**processes, **containers}

    async def run_command_check(self, task_id: str, command: str, timeout: float) -> tuple[int, str]:
        executor = self._for_task(task_id)
        if executor is None:
            return 1, f"unknown task {task_id}"
        return await executor.run_command_check(task_id, command, timeout)

    async def logs(self, task_id: str, tail: int = 100) -> tuple[str, str]:
        executor = self._for_task(task_id)
        if executor is not None:
            return await executor.logs(task_id, tail)
        # Forgotten tasks: both executors keep output in the same sandbox layout.
        return await self.processes.logs(task_id, tail)

    async def recover(self, specs: list[TaskSpec]) -> Mapping[str, TaskStatus]:
        in_containers = [spec for spec in specs if spec.docker is not None]
        as_processes = [spec for spec in specs if spec.docker is None]
        for spec in specs:
            self._owner[spec.task_id] = self._for_spec(spec)
        recovered = {**await self.containers.recover(in_containers), **await self.processes.recover(as_processes)}
        return recovered

    async def statistics(self, task_id: str) -> dict[str, float] | None:
        executor = self._for_task(task_id)
        return None if executor is None else await executor.statistics(task_id)

    def container_name(self, task_id: str) -> str | None:
        executor = self._for_task(task_id)
        return None if executor is None else executor.container_name(task_id)

    async def sync_sandbox(self, task_id: str) -> None:
        executor = self._for_task(task_id)
        if executor is not None:
            await executor.sync_sandbox(task_id)

    async def forget(self, task_id: str) -> None:
        executor = self._owner.pop(task_id, None)
        if executor is not None:
            await executor.forget(task_id)

    async def shutdown(self, kill_tasks: bool) -> None:
        await asyncio.gather(self.containers.shutdown(kill_tasks), self.processes.shutdown(kill_tasks))
        self._owner.clear()


def docker_executor(data_dir: Path) -> CompositeExecutor:
    from paasta_tools.devcluster.executors.docker import DockerExecutor, engine_answers

    if not engine_answers():
        raise ExecutorUnavailable("executor 'docker': no Docker engine answers (is dockerd running? DOCKER_HOST?)")
    return CompositeExecutor(DockerExecutor(data_dir), ProcessExecutor(data_dir))


def make_executor(kind: str, data_dir: Path) -> Executor:
    """The executor named ``kind``; "auto" is docker when an engine answers, else process."""
    data_dir = Path(data_dir)
    if kind == "noop":
        return NoopExecutor()
    if kind == "process":
        return ProcessExecutor(data_dir)
    if kind == "docker":
        return docker_executor(data_dir)
    if kind == "auto":
        try:
            return docker_executor(data_dir)
        except ExecutorUnavailable:
            return ProcessExecutor(data_dir)
    raise ExecutorUnavailable(f"unknown executor {kind!r}; choose one of {', '.join(EXECUTOR_KINDS)}")
