"""Tasks as local processes, as the Mesos command executor runs them.

Each task gets a sandbox directory under ``<data_dir>/sandboxes/`` holding its ``stdout`` and
``stderr`` files, a ``task.json`` record (pid and the kernel's start time of that pid) and, once the
command has ended, an ``exit_status`` file written by a tiny ``sh`` wrapper.  The record and the exit
file let a restarted devcluster reattach to a task that is still running, or learn how it ended.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from paasta_tools.devcluster.executors.base import (
    Executor,
    LaunchError,
    TaskSpec,
    TaskState,
    TaskStatus,
    mark_sandbox_ended,
    prune_sandboxes,
    sandbox_path,
)

# "$0" is the exit file; the task's argv follows.  Its status lands in the file even when the
# devcluster that started it is gone.  A signalled wrapper writes nothing (the kill is ours).
# The wrapper catches TERM (a caught signal is default again in the command it runs) so that a kill's TERM
# ends only the command: the task lives, and its grace period runs, as long as the command does.
WRAPPER = 'trap ":" TERM; "$@"; code=$?; echo "$code" > "$0"; exit "$code"'
RECORD = "task.json"
EXIT_FILE = "exit_status"


# Mesos' command executor gives a task without a kill policy this long between TERM and KILL.
COMMAND_EXECUTOR_KILL_GRACE_S = 3.0


def _stat_fields(path: str) -> list[str]:
    try:
        stat = Path(path).read_text()
    except OSError:
        return []
    return stat[stat.rfind(")") + 2 :].split()


def _other_threads_alive(pid: int) -> bool:
    # A multi-threaded process whose main thread has exited shows its leader as a zombie while
    # the other threads still run and still hold its files and sockets.
    try:
        threads = [entry.name for entry in os.scandir(f"/proc/{pid}/task")]
    except OSError:
        return False
    return any(
        (fields := _stat_fields(f"/proc/{pid}/task/{tid}/stat")) and fields[0] not in ("Z", "X")
        for tid in threads
        if tid != str(pid)
    )


def pid_start_ticks(pid: int) -> int | None:
    """The start time of ``pid`` in clock ticks since boot, or None when it is gone or a zombie
    (every thread of it has exited)."""
    fields = _stat_fields(f"/proc/{pid}/stat")
    if not fields or (fields[0] in ("Z", "X") and not _other_threads_alive(pid)):
        return None
    return int(fields[19])


def process_group_usage(pgid: int) -> dict[str, float]:
    """RSS and CPU times summed over the live processes of process group ``pgid`` (from /proc)."""
    ticks, page = os.sysconf("SC_CLK_TCK"), os.sysconf("SC_PAGE_SIZE")
    rss = user = system = 0.0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        if len(fields) < 22 or fields[2] != str(pgid) or fields[0] == "Z":
            continue
        user += int(fields[11]) / ticks
        system += int(fields[12]) / ticks
        rss += int(fields[21]) * page
    return {"mem_rss_bytes": rss, "cpus_user_time_secs": user, "cpus_system_time_secs": system}


def exit_status(code: int | None, killed: bool, started_at: float | None) -> TaskStatus:
    """The terminal TaskStatus for a command that ended with ``code`` (negative: killed by signal -code)."""
    now = time.time()
    if killed:
        return TaskStatus(TaskState.KILLED, code, "Command terminated with signal Terminated", started_at, now)
    if code is None:
        return TaskStatus(TaskState.LOST, None, "Task process is gone and left no exit status", started_at, now)
    if code == 0:
        return TaskStatus(TaskState.FINISHED, 0, "Command exited with status 0", started_at, now)
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = str(-code)
        return TaskStatus(TaskState.FAILED, code, f"Command terminated with signal {name}", started_at, now)
    return TaskStatus(TaskState.FAILED, code, f"Command exited with status {code}", started_at, now)


def task_argv(spec: TaskSpec) -> list[str]:
    """The argv of a task: ``sh -c cmd`` for shell tasks, else ``cmd`` (if any) followed by ``args``."""
    if spec.shell:
        command = spec.cmd if spec.cmd else " ".join(spec.args or ())
        return ["/bin/sh", "-c", command] if command else []
    return ([spec.cmd] if spec.cmd else []) + list(spec.args or ())


def tail_lines(path: Path, count: int) -> str:
    """The last ``count`` lines of a text file ("" when it does not exist)."""
    if count <= 0:
        return ""
    try:
        with path.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            block = min(size, max(4096, count * 200))
            while True:
                handle.seek(size - block)
                data = handle.read(block)
                if data.count(b"\n") > count or block == size:
                    break
                block = min(size, block * 4)
    except OSError:
        return ""
    lines = data.decode("utf-8", "replace").splitlines(keepends=True)
    return "".join(lines[-count:])


@dataclass
class _ProcessTask:
    spec: TaskSpec
    sandbox: Path
    pid: int
    start_ticks: int | None
    started_at: float
    process: asyncio.subprocess.Process | None = None  # None once reattached after a restart
    killing: bool = False
    status: TaskStatus | None = None  # set once terminal
    escalation: asyncio.Task | None = field(default=None, repr=False)


class ProcessExecutor(Executor):
    """Runs each task as a local process in its own process group."""

    name = "process"

    def __init__(self, data_dir: Path) -> None:
        self._data_dir = Path(data_dir)
        self._root = self._data_dir / "sandboxes"
        self._tasks: dict[str, _ProcessTask] = {}

    def sandbox(self, task_id: str) -> Path:
        """The task's sandbox directory (Mesos ``MESOS_SANDBOX``)."""
        return sandbox_path(self._data_dir, task_id)

    def task_env(self, spec: TaskSpec, sandbox: Path) -> dict[str, str]:
        # The Mesos command executor inherits the agent's environment and adds the sandbox's.
        env = dict(os.environ)
        env.update(MESOS_SANDBOX=str(sandbox), MESOS_DIRECTORY=str(sandbox), MESOS_TASK_ID=spec.task_id)
        env.update(spec.env)
        # Without a container there is no port mapping: the process listens on the host ports.
        for index, mapping in enumerate(spec.port_mappings):
            env[f"PORT{index}"] = str(mapping.host_port)
            if f"PORT_{mapping.container_port}" in env:
                env[f"PORT_{mapping.container_port}"] = str(mapping.host_port)
        if spec.port_mappings:
            env["PORT"] = str(spec.port_mappings[0].host_port)
        return env

    async def launch(self, spec: TaskSpec) -> None:
        argv = task_argv(spec)
        if not argv:
            image = f" and no Docker engine runs its image {spec.docker.image}" if spec.docker else ""
            raise LaunchError(f"task {spec.task_id} has neither cmd nor args{image}")
        sandbox = self.sandbox(spec.task_id)
        try:
            process = await self._spawn(spec, sandbox, argv)
        except OSError as exc:
            raise LaunchError(f"task {spec.task_id}: cannot start {argv[0]!r} in {sandbox}: {exc}") from exc
        task = _ProcessTask(spec, sandbox, process.pid, pid_start_ticks(process.pid), time.time(), process)
        self._tasks[spec.task_id] = task
        self._write_record(task)

    async def _spawn(self, spec: TaskSpec, sandbox: Path, argv: list[str]) -> asyncio.subprocess.Process:
        sandbox.mkdir(parents=True, exist_ok=True)
        (sandbox / EXIT_FILE).unlink(missing_ok=True)
        with (sandbox / "stdout").open("ab") as out, (sandbox / "stderr").open("ab") as err:
            return await asyncio.create_subprocess_exec(
                "/bin/sh",
                "-c",
                WRAPPER,
                str(sandbox / EXIT_FILE),
                *argv,
                cwd=sandbox,
                env=self.task_env(spec, sandbox),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                start_new_session=True,
            )

    def _write_record(self, task: _ProcessTask) -> None:
        record = {
            "task_id": task.spec.task_id,
            "pid": task.pid,
            "start_ticks": task.start_ticks,
            "started_at": task.started_at,
            "killing": task.killing,
        }
        tmp = task.sandbox / (RECORD + ".tmp")
        tmp.write_text(json.dumps(record))
        tmp.replace(task.sandbox / RECORD)

    def _alive(self, task: _ProcessTask) -> bool:
        if task.process is not None:
            return task.process.returncode is None
        return task.start_ticks is not None and pid_start_ticks(task.pid) == task.start_ticks

    def _read_exit_file(self, task: _ProcessTask) -> int | None:
        try:
            return int((task.sandbox / EXIT_FILE).read_text().strip())
        except (OSError, ValueError):
            return None

    def _refresh(self, task: _ProcessTask) -> TaskStatus:
        if task.status is not None:
            return task.status
        if self._alive(task):
            return TaskStatus(TaskState.RUNNING, started_at=task.started_at)
        code = self._read_exit_file(task)
        if code is None and task.process is not None:
            code = task.process.returncode
        task.status = exit_status(code, task.killing, task.started_at)
        return task.status

    async def poll(self) -> Mapping[str, TaskStatus]:
        return {task_id: self._refresh(task) for task_id, task in self._tasks.items()}

    def _signal(self, task: _ProcessTask, signum: int, even_if_leader_gone: bool = False) -> None:
        # The sh wrapper leads the group; a child ignoring TERM outlives it, so KILL goes to the group.
        if not even_if_leader_gone and not self._alive(task):
            return
        try:
            os.killpg(task.pid, signum)
        except ProcessLookupError:
            pass

    async def kill(self, task_id: str, grace_seconds: float | None = None) -> None:
        """Send TERM to the task's process group now and KILL after ``grace_seconds`` if it still runs.

        Returns once TERM is sent; the task shows as KILLED in ``poll`` when its process has gone.
        """
        task = self._tasks.get(task_id)
        if task is None or task.status is not None or not self._alive(task):
            return
        task.killing = True
        self._write_record(task)
        self._signal(task, signal.SIGTERM)
        if task.escalation is None:
            grace = COMMAND_EXECUTOR_KILL_GRACE_S if grace_seconds is None else grace_seconds
            task.escalation = asyncio.ensure_future(self._escalate(task, grace))

    async def _escalate(self, task: _ProcessTask, grace_seconds: float) -> None:
        deadline = time.monotonic() + grace_seconds
        while self._alive(task) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        self._signal(task, signal.SIGKILL, even_if_leader_gone=True)
        if task.process is not None:
            await task.process.wait()

    async def run_command_check(self, task_id: str, command: str, timeout: float) -> tuple[int, str]:
        task = self._tasks.get(task_id)
        if task is None:
            return 1, f"unknown task {task_id}"
        process = await asyncio.create_subprocess_exec(
            "/bin/sh",
            "-c",
            command,
            cwd=task.sandbox,
            env=self.task_env(task.spec, task.sandbox),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            output, _ = await asyncio.wait_for(process.communicate(), timeout)
        except TimeoutError:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            await process.wait()
            return 137, f"command timed out after {timeout:g} seconds"
        return int(process.returncode or 0), output.decode("utf-8", "replace")

    async def statistics(self, task_id: str) -> dict[str, float] | None:
        task = self._tasks.get(task_id)
        if task is None or task.status is not None or not self._alive(task):
            return None
        return await asyncio.to_thread(process_group_usage, task.pid)

    async def logs(self, task_id: str, tail: int = 100) -> tuple[str, str]:
        sandbox = self.sandbox(task_id)
        return await asyncio.to_thread(
            lambda: (tail_lines(sandbox / "stdout", tail), tail_lines(sandbox / "stderr", tail))
        )

    async def recover(self, specs: list[TaskSpec]) -> Mapping[str, TaskStatus]:
        statuses: dict[str, TaskStatus] = {}
        for spec in specs:
            task = self._reattach(spec)
            if task is None:
                now = time.time()
                statuses[spec.task_id] = TaskStatus(TaskState.LOST, None, "Task is unknown to the agent", None, now)
                continue
            self._tasks[spec.task_id] = task
            statuses[spec.task_id] = self._refresh(task)
        return statuses

    def _reattach(self, spec: TaskSpec) -> _ProcessTask | None:
        sandbox = self.sandbox(spec.task_id)
        try:
            record = json.loads((sandbox / RECORD).read_text())
            pid, ticks = int(record["pid"]), record["start_ticks"]
        except (OSError, ValueError, KeyError, TypeError):
            return None
        task = _ProcessTask(spec, sandbox, pid, ticks, float(record.get("started_at") or time.time()))
        task.killing = bool(record.get("killing"))
        return task

    async def forget(self, task_id: str) -> None:
        task = self._tasks.pop(task_id, None)
        if task is None:
            return
        (task.sandbox / RECORD).unlink(missing_ok=True)
        mark_sandbox_ended(task.sandbox)
        await asyncio.to_thread(prune_sandboxes, self._data_dir)

    async def shutdown(self, kill_tasks: bool) -> None:
        if kill_tasks:
            for task_id in list(self._tasks):
                await self.kill(task_id, grace_seconds=2.0)
        escalations = [task.escalation for task in self._tasks.values() if task.escalation is not None]
        if escalations:
            await asyncio.gather(*escalations, return_exceptions=True)
        self._tasks.clear()
