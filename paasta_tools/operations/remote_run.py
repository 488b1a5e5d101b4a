"""``paasta remote-run``: submit an instance to a cluster's Chronos as a one-shot job and follow its task.

The job is built by the pure ``paasta_tools.chronos.remote_run``.  After adding it, the task is looked up in the
cluster's Mesos master state (Chronos names its tasks ``ct:<due>:<attempt>:<job name>:``), its state changes and
the new bytes of its sandbox ``stdout``/``stderr`` are reported as events, and the job is deleted at the end
(its task killed first when it has not ended: staging timeout, an error or Ctrl-C).  No printing here: events go
to the ``emit`` callable the caller passes in.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from paasta_tools.chronos.job_dict import get_owner, job_system_config_from
from paasta_tools.chronos.job_name import decompose_job_id
from paasta_tools.chronos.remote_run import (
    RUNNING,
    Constraint,
    JobDeleted,
    JobSubmitted,
    JobTask,
    Notice,
    RunEvent,
    TaskOutput,
    TaskStateChanged,
    build_remote_run_job,
    choose_instance,
    find_job_task,
    lost_task_message,
    staging_timeout_message,
)
from paasta_tools.config.instance_config import InstanceConfig
from paasta_tools.errors import ChronosError, MesosError, NoDeploymentsAvailable, PaastaError, RemoteRunError

if TYPE_CHECKING:
    from paasta_tools.clients.chronos_client import ChronosClient
    from paasta_tools.clients.mesos import MesosAgentClient, MesosMasterClient

READ_CHUNK_BYTES = 64 * 1024
MAX_MASTER_FAILURES = 3  # consecutive failed reads of the master state before giving up
MAX_MISSING_LOOKS = 3  # consecutive master states without a task seen before, before it counts as lost
STREAMS = ("stdout", "stderr")

Emit = Callable[[RunEvent], None]


@dataclass(frozen=True)
class RemoteRunRequest:
    """What to run: an instance of the service (None: the adhoc ``remote``) on ``cluster``, with ``-C`` and ``-X``."""

    service: str
    cluster: str
    soa_dir: str
    instance: str | None = None
    cmd: str | None = None
    constraints: tuple[Constraint, ...] = ()
    staging_timeout: float = 60.0


def _branch_dict(config: InstanceConfig) -> dict[str, Any]:
    """The image of the instance's deploy group (deployments.json v2); RemoteRunError naming the group."""
    from paasta_tools.deployments import deployments_path, load_deployments_json

    group = config.get_deploy_group()
    try:
        deployment = load_deployments_json(config.service, config.soa_dir).v2.get("deployments", {}).get(group)
    except NoDeploymentsAvailable:
        deployment = None
    if not deployment:
        raise RemoteRunError(
            f"{config.service}.{config.instance} has no image to run: deploy group {group!r} is not deployed in "
            f"{deployments_path(config.service, config.soa_dir)}; mark a commit for it with "
            "`paasta mark-for-deployment`, then run generate_deployments_for_service"
        )
    # Run by hand: the instance's start/stop control does not apply.
    return {"docker_image": deployment["docker_image"], "git_sha": deployment.get("git_sha"), "desired_state": "start"}


def load_instance_config(request: RemoteRunRequest) -> tuple[InstanceConfig, str | None]:
    """The config of the instance to run (any type, see ``choose_instance``) with its deployed image, and its
    owner (monitoring team)."""
    import dataclasses

    from paasta_tools.config.loader import build_instance_config
    from paasta_tools.config.soa_dir import INSTANCE_TYPES, read_service_files, require_service_dir

    require_service_dir(request.soa_dir, request.service)
    files = read_service_files(request.soa_dir, request.service, cluster=request.cluster)
    instances = {kind: files.instances(kind, request.cluster) for kind in INSTANCE_TYPES}
    instance_type, instance = choose_instance(request.instance, instances, request.service, request.cluster)
    config = build_instance_config(files, instance_type, request.cluster, instance)
    config = dataclasses.replace(config, branch_dict=_branch_dict(config))
    return config, get_owner(config, files)  # type: ignore[arg-type]


def build_job(request: RemoteRunRequest, system_config: Any, now: datetime.datetime) -> dict[str, Any]:
    """The temporary job of ``request`` from the local soa-configs and system config only (``now`` UTC)."""
    from paasta_tools.config.soa_dir import malformed_value_error
    from paasta_tools.errors import MALFORMED_VALUE_ERRORS

    config, owner = load_instance_config(request)
    system = job_system_config_from(system_config)
    try:
        return build_remote_run_job(config, system, owner, now, request.cmd, request.constraints)
    except MALFORMED_VALUE_ERRORS as exc:
        raise malformed_value_error(
            request.soa_dir, request.service, config.instance_type, request.cluster, config.instance, exc
        ) from None


@dataclass(frozen=True)
class RunTarget:
    """The cluster's Chronos and Mesos master, and how to reach an agent (``http://host:port``)."""

    cluster: str
    chronos: ChronosClient
    chronos_url: str
    mesos: MesosMasterClient
    agent_for: Callable[[str], MesosAgentClient]


def run_target(system_config: Any, cluster: str) -> RunTarget:
    """The RunTarget of ``cluster`` per the system config; RemoteRunError naming the cluster otherwise."""
    from paasta_tools.clients.mesos import MesosAgentClient, mesos_client_for_cluster
    from paasta_tools.operations.chronos_jobs import chronos_client_for

    try:
        chronos_config = system_config.get_cluster_endpoints(cluster).chronos_config or {}
        chronos = chronos_client_for(system_config, cluster)
        mesos = mesos_client_for_cluster(system_config, cluster)
    except PaastaError as exc:
        raise RemoteRunError(f"cluster {cluster}: {exc}") from None
    urls = chronos_config.get("url")
    chronos_url = ", ".join(urls) if isinstance(urls, list) else str(urls)
    return RunTarget(cluster, chronos, chronos_url, mesos, MesosAgentClient)


@dataclass(frozen=True)
class Pacing:
    """How often to look at the master, and the clock and sleep to do it with."""

    poll_interval: float = 1.0
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep


@dataclass
class _Sandbox:
    agent: MesosAgentClient
    directory: str
    offsets: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STREAMS, 0))


class _Follower:
    """Follows one job's task: state changes and sandbox output as events."""

    def __init__(self, job_name: str, target: RunTarget, emit: Emit) -> None:
        self.job_name = job_name
        self.target = target
        self.emit = emit
        self.state: str | None = None
        self.sandbox: _Sandbox | None = None
        self.sandbox_problem: str | None = None
        self.master_failures = 0
        self.task_id: str | None = None
        self.missing_looks = 0

    def task(self) -> JobTask | None:
        """The job's task in the master state; a master that keeps failing, or that no longer lists a task it
        listed, ends the run (a blip does not)."""
        try:
            state = self.target.mesos.state()
        except MesosError as exc:
            self.master_failures += 1
            if self.master_failures >= MAX_MASTER_FAILURES:
                where = f"job '{self.job_name}' on cluster {self.target.cluster}"
                raise RemoteRunError(f"cannot follow {where}: {exc}") from None
            return None
        self.master_failures = 0
        task = find_job_task(state, self.job_name)
        if task is None and self.task_id is not None:
            self.missing_looks += 1
            if self.missing_looks >= MAX_MISSING_LOOKS:
                raise RemoteRunError(lost_task_message(self.task_id, self.job_name, self.target.cluster))
        elif task is not None:
            self.task_id, self.missing_looks = task.task_id, 0
        return task

    def note_state(self, task: JobTask) -> None:
        if task.state != self.state:
            self.state = task.state
            self.emit(TaskStateChanged(task.task_id, task.state, task.hostname))

    def follow(self, staging_timeout: float, pacing: Pacing) -> str:
        """The task's final state; RemoteRunError when it is not running within ``staging_timeout`` seconds."""
        deadline = pacing.clock() + staging_timeout
        started = False
        while True:
            task = self.task()
            if task is not None:
                started = started or task.state == RUNNING or task.is_terminal
                if not task.is_terminal:
                    self.note_state(task)
                self.stream(task)
                if task.is_terminal:
                    self.report_missing_output(task)
                    self.note_state(task)  # after its last output
                    return task.state
            if not started and pacing.clock() >= deadline:
                message = staging_timeout_message(self.job_name, self.target.cluster, staging_timeout)
                raise RemoteRunError(message)
            pacing.sleep(pacing.poll_interval)

    def _find_sandbox(self, task: JobTask) -> _Sandbox | None:
        from paasta_tools.clients.mesos import agent_url_from_pid

        if not task.agent_pid:
            return None
        agent = self.target.agent_for(agent_url_from_pid(task.agent_pid))
        directory = agent.sandbox_directory(agent.agent_state(), task.task_id)
        if directory is None:
            return None
        self.emit(Notice(f"Sandbox of {task.task_id}: {directory} on {agent.url}", verbose=True))
        return _Sandbox(agent, directory)

    def stream(self, task: JobTask) -> None:
        """Emit what the task wrote to stdout/stderr since the last look; a failing read is told once."""
        try:
            self.sandbox = self.sandbox or self._find_sandbox(task)
            if self.sandbox is not None:
                for name in STREAMS:
                    self._read_new(self.sandbox, name)
        except MesosError as exc:
            if self.sandbox_problem is None:
                self.emit(Notice(f"Cannot read the output of {task.task_id} yet: {exc}"))
            self.sandbox_problem = str(exc)

    def _read_new(self, sandbox: _Sandbox, name: str) -> None:
        path = f"{sandbox.directory}/{name}"
        size = int(sandbox.agent.read_file(path, -1).get("offset") or 0)
        while sandbox.offsets[name] < size:
            length = min(READ_CHUNK_BYTES, size - sandbox.offsets[name])
            data = str(sandbox.agent.read_file(path, sandbox.offsets[name], length).get("data") or "")
            sandbox.offsets[name] += length
            if data:
                self.emit(TaskOutput(name, data))

    def report_missing_output(self, task: JobTask) -> None:
        if self.sandbox is None:
            reason = self.sandbox_problem or "its agent lists no sandbox for it"
            self.emit(Notice(f"The output of {task.task_id} could not be read: {reason}"))


def _clean_up(target: RunTarget, job_name: str, kill: bool, emit: Emit) -> None:
    """Kill the job's task (when it may still run) and delete the job; failures are told, not raised."""
    try:
        if kill:
            target.chronos.delete_tasks(job_name)
        target.chronos.delete(job_name)
    except ChronosError as exc:
        emit(
            Notice(
                f"Could not delete the temporary job '{job_name}' from Chronos of cluster {target.cluster} "
                f"({target.chronos_url}): {exc}. cleanup_chronos_jobs removes it 24 h after it ran."
            )
        )
        return
    emit(JobDeleted(job_name))


def run_remote_job(
    job: dict[str, Any], target: RunTarget, emit: Emit, staging_timeout: float, pacing: Pacing | None = None
) -> str:
    """Add ``job`` to the cluster's Chronos, follow its task to the end and delete the job.

    Returns the task's final Mesos state (``TASK_FINISHED`` on success).  Raises RemoteRunError when the job
    cannot be added, the master cannot be read, the task is not running within ``staging_timeout``
    seconds or it leaves the master state before it ends; the task is killed and the job deleted on every
    way out, Ctrl-C included.
    """
    name = job["name"]
    try:
        target.chronos.add(job)
    except ChronosError as exc:
        raise RemoteRunError(
            f"Could not add job '{name}' to Chronos of cluster {target.cluster} ({target.chronos_url}): {exc}"
        ) from None
    except KeyboardInterrupt:
        _clean_up(target, name, kill=True, emit=emit)  # Chronos may have taken the job before the interrupt
        raise
    parsed = decompose_job_id(name)
    emit(JobSubmitted(name, parsed.service, parsed.instance, target.cluster, target.chronos_url))
    final_state: str | None = None
    try:
        final_state = _Follower(name, target, emit).follow(staging_timeout, pacing or Pacing())
    finally:
        _clean_up(target, name, kill=final_state is None, emit=emit)
    return final_state
