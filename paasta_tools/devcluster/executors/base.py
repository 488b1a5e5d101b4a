"""The contract between the frameworks (Marathon, Chronos emulation) and the executors."""

from __future__ import annotations

import abc
import enum
import shutil
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path


class TaskState(enum.StrEnum):
    """Mesos task states, with their API spelling as values."""

    STAGING = "TASK_STAGING"
    STARTING = "TASK_STARTING"
    RUNNING = "TASK_RUNNING"
    FINISHED = "TASK_FINISHED"
    FAILED = "TASK_FAILED"
    KILLED = "TASK_KILLED"
    LOST = "TASK_LOST"

    @property
    def is_terminal(self) -> bool:
        return self in (TaskState.FINISHED, TaskState.FAILED, TaskState.KILLED, TaskState.LOST)


@dataclass(frozen=True)
class PortMapping:
    """One port of a task: what the task listens on and what the host publishes."""

    container_port: int
    host_port: int
    protocol: str = "tcp"


@dataclass(frozen=True)
class Volume:
    container_path: str
    host_path: str
    mode: str = "RO"  # "RO" or "RW"


@dataclass(frozen=True)
class DockerSpec:
    image: str
    network: str = "BRIDGE"  # BRIDGE, HOST or NONE
    parameters: tuple[tuple[str, str], ...] = ()
    privileged: bool = False
    force_pull: bool = False


@dataclass(frozen=True)
class TaskSpec:
    """Everything an executor needs to launch one task.

    ``port_mappings`` always carries allocated host ports; for BRIDGE containers the container
    ports are the app's, otherwise container_port == host_port.  ``env`` already holds the
    variables Marathon/Mesos/Chronos inject (MARATHON_*, MESOS_*, PORT0...).
    """

    task_id: str
    framework: str  # "marathon" or "chronos"
    name: str  # app id or job name
    cmd: str | None
    args: tuple[str, ...] | None
    env: Mapping[str, str]
    docker: DockerSpec | None
    volumes: tuple[Volume, ...] = ()
    port_mappings: tuple[PortMapping, ...] = ()
    cpus: float = 0.1
    mem: float = 32.0
    disk: float = 0.0
    shell: bool = True
    labels: Mapping[str, str] = field(default_factory=dict)

    @property
    def host_ports(self) -> list[int]:
        return [mapping.host_port for mapping in self.port_mappings]


@dataclass(frozen=True)
class TaskStatus:
    state: TaskState
    exit_code: int | None = None
    message: str = ""
    started_at: float | None = None
    finished_at: float | None = None

    @classmethod
    def staging(cls) -> TaskStatus:
        return cls(TaskState.STAGING)

    @classmethod
    def running(cls, started_at: float | None = None) -> TaskStatus:
        return cls(TaskState.RUNNING, started_at=started_at or time.time())


def sandbox_path(data_dir: Path, task_id: str) -> Path:
    """The task's sandbox (``MESOS_SANDBOX``): ``<data_dir>/sandboxes/<task id>``, shared by all executors.

    ``/`` and ``:`` become ``_``: Chronos task ids hold colons, which docker bind mounts cannot.
    """
    return Path(data_dir) / "sandboxes" / task_id.replace("/", "_").replace(":", "_")


ENDED_MARKER = ".ended"
KEEP_SANDBOXES = 500


def mark_sandbox_ended(sandbox: Path) -> None:
    """Note that the sandbox's task is over and forgotten, so it may be garbage-collected."""
    try:
        (sandbox / ENDED_MARKER).touch()
    except OSError:
        pass


def prune_sandboxes(data_dir: Path, keep: int = KEEP_SANDBOXES) -> int:
    """Delete all but the ``keep`` newest sandboxes of ended tasks, as the Mesos agent's GC does.

    Only sandboxes marked ended are candidates: a running container may still have its sandbox mounted.
    Returns how many were deleted.
    """
    markers = Path(data_dir, "sandboxes").glob(f"*/{ENDED_MARKER}")
    try:
        ended = [(marker.stat().st_mtime, marker.parent) for marker in markers]
    except OSError:
        return 0
    ended.sort()
    doomed = ended[: max(len(ended) - keep, 0)]
    for _, path in doomed:
        shutil.rmtree(path, ignore_errors=True)
    return len(doomed)


class LaunchError(Exception):
    """The executor could not start the task (bad image, bad command...)."""


class Executor(abc.ABC):
    """Runs tasks.  All methods are coroutines; blocking work goes to threads."""

    name: str = "abstract"

    def bind_agent(self, agent_id: str) -> None:
        """Learn the agent id (container names use it); called once by the Cluster."""
        return None

    def container_name(self, task_id: str) -> str | None:
        """The docker container running the task (``mesos-<agent id>.<container id>``), if any."""
        return None

    async def statistics(self, task_id: str) -> dict[str, float] | None:
        """Resource usage as Mesos' ``/monitor/statistics`` reports it (``mem_rss_bytes``,
        ``cpus_user_time_secs``, ``cpus_system_time_secs``), or None when unknown."""
        return None

    async def sync_sandbox(self, task_id: str) -> None:
        """Bring the task's sandbox ``stdout``/``stderr`` files up to date (containers log elsewhere)."""
        return None

    @abc.abstractmethod
    async def launch(self, spec: TaskSpec) -> None:
        """Start the task; raise LaunchError if it cannot start at all."""

    @abc.abstractmethod
    async def kill(self, task_id: str, grace_seconds: float | None = None) -> None:
        """Stop the task (TERM, then KILL after the grace period).  Unknown ids are ignored.

        ``None`` is the executor's own default, as with a task that has no kill policy in Mesos: the
        command executor's 3 s, the docker executor's ``--docker_stop_timeout`` (0 s)."""

    @abc.abstractmethod
    async def poll(self) -> Mapping[str, TaskStatus]:
        """Current status of every task this executor knows, in one call."""

    @abc.abstractmethod
    async def run_command_check(self, task_id: str, command: str, timeout: float) -> tuple[int, str]:
        """Run a COMMAND health check inside the task's environment: (exit code, output)."""

    @abc.abstractmethod
    async def logs(self, task_id: str, tail: int = 100) -> tuple[str, str]:
        """The last ``tail`` lines of the task's (stdout, stderr)."""

    @abc.abstractmethod
    async def recover(self, specs: list[TaskSpec]) -> Mapping[str, TaskStatus]:
        """After a devcluster restart: reattach to tasks still running; report the others as LOST."""

    @abc.abstractmethod
    async def forget(self, task_id: str) -> None:
        """Drop bookkeeping (and leftovers such as stopped containers) of a terminal task."""

    @abc.abstractmethod
    async def shutdown(self, kill_tasks: bool) -> None:
        """Release resources; with ``kill_tasks`` also stop every task still running."""
