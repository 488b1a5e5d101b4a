"""Tasks as real Docker containers, named and labelled as Mesos' docker containerizer does.

Containers are called ``mesos-<agent id>.<uuid>`` and carry labels naming the devcluster (its data
dir) and the task id, so a restarted devcluster finds its tasks again and ``down`` removes them all.
No restart policy: a container that exits is a finished or failed task, as on Mesos.
Every SDK call is blocking and runs in a worker thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import docker
import docker.errors
import docker.types
import requests

from paasta_tools.devcluster.executors.base import (
    DockerSpec,
    Executor,
    LaunchError,
    TaskSpec,
    TaskState,
    TaskStatus,
    mark_sandbox_ended,
    prune_sandboxes,
    sandbox_path,
)
from paasta_tools.devcluster.executors.docker_options import LABEL_DEVCLUSTER, LABEL_TASK_ID, container_options
from paasta_tools.devcluster.executors.process import tail_lines

log = logging.getLogger(__name__)

LOCAL_REGISTRY_HOSTS = ("127.0.0.1", "localhost")
KILLING_MARKER = "killing"
# The SDK raises requests' exceptions, not its own, when the engine's socket does not answer.
ENGINE_ERRORS = (docker.errors.DockerException, requests.exceptions.RequestException)
ACTIVE_STATES = {"running": TaskState.RUNNING, "paused": TaskState.RUNNING, "restarting": TaskState.RUNNING}


# Mesos' docker executor stops a task without a kill policy with the agent's --docker_stop_timeout,
# 0 seconds by default: `docker stop -t 0`.
DOCKER_STOP_TIMEOUT_S = 0.0


def devcluster_id(data_dir: Path) -> str:
    """The label value that marks the containers of the devcluster using ``data_dir``."""
    return str(Path(data_dir).resolve())


def connect(timeout: float = 30.0) -> docker.DockerClient:
    """A client for the local engine (``DOCKER_HOST`` or the default socket); raises DockerException."""
    return docker.from_env(timeout=int(timeout))


def engine_answers(timeout: float = 2.0) -> bool:
    """True when a Docker engine answers ``/_ping``."""
    try:
        client = connect(timeout)
    except docker.errors.DockerException:
        return False
    try:
        return bool(client.ping())
    except Exception:  # any transport failure means "no engine"
        return False
    finally:
        client.close()


def image_registry_is_local(image: str) -> bool:
    """Whether ``image`` names a registry on this machine (the only place we may pull from)."""
    first, sep, _ = image.partition("/")
    if not sep:
        return False
    return first.split(":", 1)[0] in LOCAL_REGISTRY_HOSTS


def _parse_time(text: str | None) -> float | None:
    if not text or text.startswith("0001-"):
        return None
    try:
        return datetime.fromisoformat(text[:26].rstrip("Z") + "+00:00").timestamp()
    except ValueError:
        return None


CGROUP_V1 = Path("/sys/fs/cgroup")


def cgroup_v1_usage(container_id: str, root: Path = CGROUP_V1) -> dict[str, float] | None:
    """A container's RSS and CPU times from its cgroup v1 files (cgroupfs driver), None when absent."""
    try:
        memory = dict(line.split() for line in (root / "memory/docker" / container_id / "memory.stat").open())
        cpu = dict(line.split() for line in (root / "cpuacct/docker" / container_id / "cpuacct.stat").open())
    except (OSError, ValueError):
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    return {
        "mem_rss_bytes": float(memory.get("total_rss", memory.get("rss", 0))),
        "cpus_user_time_secs": int(cpu.get("user", 0)) / ticks,
        "cpus_system_time_secs": int(cpu.get("system", 0)) / ticks,
    }


def terminal_status(state: Mapping[str, Any], killing: bool) -> TaskStatus:
    """The TaskStatus of an ended container from its ``State`` (``docker inspect``)."""
    code = int(state.get("ExitCode") or 0)
    started, finished = _parse_time(state.get("StartedAt")), _parse_time(state.get("FinishedAt")) or time.time()
    if killing:
        return TaskStatus(TaskState.KILLED, code, f"Container killed (exit status {code})", started, finished)
    if state.get("OOMKilled"):
        message = f"Memory limit exceeded: the container was OOM-killed (exit status {code})"
        return TaskStatus(TaskState.FAILED, code, message, started, finished)
    if code == 0:
        return TaskStatus(TaskState.FINISHED, 0, "Container exited with status 0", started, finished)
    return TaskStatus(TaskState.FAILED, code, f"Container exited with status {code}", started, finished)


@dataclass
class _Container:
    spec: TaskSpec
    name: str
    container_id: str
    sandbox: Path
    started_at: float
    killing: bool = False
    status: TaskStatus | None = None
    stopper: asyncio.Future | None = None


class DockerExecutor(Executor):
    """Runs tasks that have a ``docker`` spec as containers of the local engine."""

    name = "docker"

    def __init__(self, data_dir: Path, client: docker.DockerClient | None = None) -> None:
        self._client = client if client is not None else connect()
        self._devcluster_id = devcluster_id(data_dir)
        self._data_dir = Path(data_dir)
        self._agent_id = "S0"
        self._tasks: dict[str, _Container] = {}
        self._launching: dict[str, str] = {}  # task id -> container name, while docker creates it

    def bind_agent(self, agent_id: str) -> None:
        self._agent_id = agent_id

    def sandbox(self, task_id: str) -> Path:
        return sandbox_path(self._data_dir, task_id)

    def container_name(self, task_id: str) -> str | None:
        task = self._tasks.get(task_id)
        return self._launching.get(task_id) if task is None else task.name

    async def launch(self, spec: TaskSpec) -> None:
        if spec.docker is None:
            raise LaunchError(f"task {spec.task_id} has no docker container for the docker executor")
        name = f"mesos-{self._agent_id}.{uuid.uuid4()}"
        sandbox = self.sandbox(spec.task_id)
        sandbox.mkdir(parents=True, exist_ok=True)
        options = container_options(spec, name, self._devcluster_id, str(sandbox))
        self._launching[spec.task_id] = name
        try:
            container_id = await asyncio.to_thread(self._create_and_start, spec, options)
        finally:
            self._launching.pop(spec.task_id, None)
        self._tasks[spec.task_id] = _Container(spec, name, container_id, sandbox, time.time())

    def _create_and_start(self, spec: TaskSpec, options: dict[str, Any]) -> str:
        assert spec.docker is not None
        self._ensure_image(spec.docker)
        if "ulimits" in options:
            limits = options["ulimits"]
            options["ulimits"] = [docker.types.Ulimit(name=u["Name"], soft=u["Soft"], hard=u["Hard"]) for u in limits]
        container = None
        try:
            container = self._client.containers.create(**options)
            container.start()
        except ENGINE_ERRORS as exc:
            if container is not None:
                self._remove(container.id)
            reason = getattr(exc, "explanation", None) or exc
            raise LaunchError(f"task {spec.task_id}: docker could not run {spec.docker.image}: {reason}") from exc
        return container.id

    def _ensure_image(self, docker_spec: DockerSpec) -> None:
        image = docker_spec.image
        try:
            self._client.images.get(image)
            present = True
        except docker.errors.ImageNotFound:
            present = False
        except ENGINE_ERRORS as exc:
            raise LaunchError(f"docker image {image!r}: {getattr(exc, 'explanation', None) or exc}") from exc
        if present and not docker_spec.force_pull:
            return
        if image_registry_is_local(image):
            try:
                self._client.images.pull(image)
                return
            except ENGINE_ERRORS as exc:
                if present:
                    return
                reason = getattr(exc, "explanation", None) or exc
                raise LaunchError(f"docker image {image!r} could not be pulled: {reason}") from exc
        if not present:
            raise LaunchError(
                f"docker image {image!r} is not in the local Docker engine and there is no Docker Hub to pull it "
                "from: build it locally (busybox:latest: scripts/build-busybox-image.sh) or push it to the "
                "devcluster's registry"
            )

    def _remove(self, container_id: str) -> None:
        try:
            self._client.api.remove_container(container_id, force=True)
        except ENGINE_ERRORS:
            pass

    def _list_rows(self) -> dict[str, dict[str, Any]]:
        rows = self._client.api.containers(all=True, filters={"label": f"{LABEL_DEVCLUSTER}={self._devcluster_id}"})
        return {row["Labels"].get(LABEL_TASK_ID, ""): row for row in rows}

    def _inspect_state(self, container_id: str) -> Mapping[str, Any] | None:
        try:
            return self._client.api.inspect_container(container_id)["State"]
        except docker.errors.NotFound:
            return None

    def _status_from_row(self, task: _Container, row: Mapping[str, Any] | None) -> TaskStatus:
        if row is None:
            state = TaskState.KILLED if task.killing else TaskState.LOST
            return TaskStatus(state, None, f"Container {task.name} is gone", task.started_at, time.time())
        if row["State"] in ACTIVE_STATES:
            return TaskStatus(TaskState.RUNNING, started_at=task.started_at)
        if row["State"] == "created":
            return TaskStatus(TaskState.STAGING, started_at=None)
        try:
            state = self._inspect_state(task.container_id)
        except ENGINE_ERRORS:
            return TaskStatus.running(task.started_at)  # not decided yet: asked again on the next poll
        if state is None:
            return self._status_from_row(task, None)
        return terminal_status(state, task.killing)

    def _poll_blocking(self) -> dict[str, TaskStatus]:
        tasks = list(self._tasks.items())
        try:
            rows = self._list_rows() if any(task.status is None for _, task in tasks) else {}
        except ENGINE_ERRORS as exc:
            # The engine is unreachable: report what was last known rather than losing every task.
            log.warning("docker engine did not answer: %s", exc)
            return {task_id: task.status or TaskStatus.running(task.started_at) for task_id, task in tasks}
        statuses: dict[str, TaskStatus] = {}
        for task_id, task in tasks:
            if task.status is not None:
                statuses[task_id] = task.status
                continue
            status = self._status_from_row(task, rows.get(task_id))
            if status.state.is_terminal:
                task.status = status
            statuses[task_id] = status
        return statuses

    async def poll(self) -> Mapping[str, TaskStatus]:
        return await asyncio.to_thread(self._poll_blocking)

    async def kill(self, task_id: str, grace_seconds: float | None = None) -> None:
        """Ask docker to stop the container (TERM, KILL after the grace period) in the background."""
        task = self._tasks.get(task_id)
        if task is None or task.status is not None or task.stopper is not None:
            return
        task.killing = True
        with contextlib.suppress(OSError):
            task.sandbox.mkdir(parents=True, exist_ok=True)
            (task.sandbox / KILLING_MARKER).touch()
        grace = DOCKER_STOP_TIMEOUT_S if grace_seconds is None else grace_seconds
        task.stopper = asyncio.ensure_future(asyncio.to_thread(self._stop, task.container_id, grace))

    def _stop(self, container_id: str, grace_seconds: float) -> None:
        try:
            self._client.api.stop(container_id, timeout=max(int(math.ceil(grace_seconds)), 0))
        except ENGINE_ERRORS:
            pass

    async def run_command_check(self, task_id: str, command: str, timeout: float) -> tuple[int, str]:
        task = self._tasks.get(task_id)
        if task is None:
            return 1, f"unknown task {task_id}"
        try:
            return await asyncio.wait_for(asyncio.to_thread(self._exec, task, command), timeout)
        except TimeoutError:
            return 137, f"command timed out after {timeout:g} seconds"

    def _exec(self, task: _Container, command: str) -> tuple[int, str]:
        try:
            created = self._client.api.exec_create(
                task.container_id, ["/bin/sh", "-c", command], environment=dict(task.spec.env)
            )
            output = self._client.api.exec_start(created["Id"])
            code = self._client.api.exec_inspect(created["Id"])["ExitCode"]
        except ENGINE_ERRORS as exc:
            return 1, f"docker exec failed: {getattr(exc, 'explanation', None) or exc}"
        return int(code if code is not None else 1), output.decode("utf-8", "replace")

    def _usage(self, container_id: str) -> dict[str, float] | None:
        usage = cgroup_v1_usage(container_id)
        if usage is not None:
            return usage
        try:
            stats = self._client.api.stats(container_id, stream=False, one_shot=True)
        except ENGINE_ERRORS:
            return None
        cpu = stats.get("cpu_stats", {}).get("cpu_usage", {})
        return {
            "mem_rss_bytes": float(stats.get("memory_stats", {}).get("usage") or 0),
            "cpus_user_time_secs": (cpu.get("usage_in_usermode") or 0) / 1e9,
            "cpus_system_time_secs": (cpu.get("usage_in_kernelmode") or 0) / 1e9,
        }

    async def statistics(self, task_id: str) -> dict[str, float] | None:
        task = self._tasks.get(task_id)
        if task is None or task.status is not None:
            return None
        return await asyncio.to_thread(self._usage, task.container_id)

    def _logs_blocking(self, task_id: str, tail: int) -> tuple[str, str]:
        task = self._tasks.get(task_id)
        sandbox = self.sandbox(task_id)
        if task is None:
            return tail_lines(sandbox / "stdout", tail), tail_lines(sandbox / "stderr", tail)
        try:
            out = self._client.api.logs(task.container_id, stdout=True, stderr=False, tail=tail)
            err = self._client.api.logs(task.container_id, stdout=False, stderr=True, tail=tail)
        except ENGINE_ERRORS:
            return tail_lines(sandbox / "stdout", tail), tail_lines(sandbox / "stderr", tail)
        return out.decode("utf-8", "replace"), err.decode("utf-8", "replace")

    async def logs(self, task_id: str, tail: int = 100) -> tuple[str, str]:
        return await asyncio.to_thread(self._logs_blocking, task_id, tail)

    async def recover(self, specs: list[TaskSpec]) -> Mapping[str, TaskStatus]:
        try:
            rows = await asyncio.to_thread(self._list_rows)
        except ENGINE_ERRORS as exc:
            log.warning("docker engine did not answer while recovering tasks: %s", exc)
            rows = {}
        statuses: dict[str, TaskStatus] = {}
        for spec in specs:
            row = rows.get(spec.task_id)
            if row is None:
                statuses[spec.task_id] = TaskStatus(TaskState.LOST, None, "Container not found after restart")
                continue
            sandbox = self.sandbox(spec.task_id)
            name = (row.get("Names") or [""])[0].lstrip("/")
            task = _Container(spec, name, row["Id"], sandbox, float(row.get("Created") or time.time()))
            task.killing = (sandbox / KILLING_MARKER).exists()
            self._tasks[spec.task_id] = task
        statuses.update(await self.poll())
        return {spec.task_id: statuses[spec.task_id] for spec in specs}

    def _save_logs(self, task: _Container) -> None:
        """Copy the container's output into the sandbox ``stdout``/``stderr`` files, as Mesos keeps them."""
        try:
            out = self._client.api.logs(task.container_id, stdout=True, stderr=False)
            err = self._client.api.logs(task.container_id, stdout=False, stderr=True)
            task.sandbox.mkdir(parents=True, exist_ok=True)
            (task.sandbox / "stdout").write_bytes(out)
            (task.sandbox / "stderr").write_bytes(err)
        except (*ENGINE_ERRORS, OSError):
            pass

    async def sync_sandbox(self, task_id: str) -> None:
        task = self._tasks.get(task_id)
        if task is not None:
            await asyncio.to_thread(self._save_logs, task)

    def _save_and_remove(self, task: _Container) -> None:
        self._save_logs(task)
        self._remove(task.container_id)
        mark_sandbox_ended(task.sandbox)
        prune_sandboxes(self._data_dir)

    async def forget(self, task_id: str) -> None:
        task = self._tasks.pop(task_id, None)
        if task is None:
            return
        if task.stopper is not None:
            await asyncio.gather(task.stopper, return_exceptions=True)
        await asyncio.to_thread(self._save_and_remove, task)

    async def shutdown(self, kill_tasks: bool) -> None:
        stoppers = [task.stopper for task in self._tasks.values() if task.stopper is not None]
        if stoppers:
            await asyncio.gather(*stoppers, return_exceptions=True)
        if kill_tasks:
            try:
                await asyncio.to_thread(remove_devcluster_containers, self._devcluster_id, self._client)
            except ENGINE_ERRORS as exc:
                log.warning("could not remove the devcluster's containers: %s", exc)
        self._tasks.clear()
        self._client.close()


def remove_devcluster_containers(cluster_id: str, client: docker.DockerClient | None = None) -> int:
    """Force-remove every container labelled with ``cluster_id``; returns how many were removed."""
    own_client = client is None
    client = client if client is not None else connect()
    try:
        rows = client.api.containers(all=True, filters={"label": f"{LABEL_DEVCLUSTER}={cluster_id}"})
        removed = 0
        for row in rows:
            try:
                client.api.remove_container(row["Id"], force=True)
                removed += 1
            except docker.errors.APIError:  # gone already, or its removal is in progress elsewhere
                pass
        return removed
    finally:
        if own_client:
            client.close()
