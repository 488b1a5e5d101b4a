"""The status of a Marathon instance (§7.2, §4.12): built from Marathon, Mesos and HAProxy data, then rendered.

``build_marathon_status`` takes the already-fetched JSON (apps of the instance with tasks and
lastTaskFailure, the launch queue, the Mesos master state, HAProxy backends per location) and
returns a frozen :class:`MarathonInstanceStatus`; ``render_marathon_status`` turns it into
upstream's lines (unindented, as paasta_serviceinit printed them).
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from paasta_tools.config.marathon_config import MarathonServiceConfig
from paasta_tools.config.smartstack import ServiceNamespaceConfig
from paasta_tools.deployments import sha_from_docker_image
from paasta_tools.marathon.deploy_status import (
    MarathonDeployStatus,
    QueueStatus,
    find_queue_status,
    get_deploy_status,
)
from paasta_tools.marathon.happy_tasks import is_task_healthy
from paasta_tools.marathon.haproxy_csv import HaproxyBackend
from paasta_tools.marathon.job_id import format_job_id, is_app_of_instance
from paasta_tools.marathon.replication import slaves_grouped_by_attribute, synapse_hosts_by_location
from paasta_tools.marathon.tasks import MarathonTask, app_state_from_json, parse_marathon_time, task_from_json
from paasta_tools.status.colors import Palette
from paasta_tools.status.mesos_tasks import (
    RUNNING_HEADER,
    TailedTaskRow,
    TaskTails,
    mesos_task_rows,
    non_running_table,
    running_and_recent,
    running_task_cells,
)
from paasta_tools.status.mesos_tasks import StreamTail as StreamTail
from paasta_tools.status.text import deployed_at, format_table, naturaltime

SMARTSTACK_CRIT_PERCENT = 50


@dataclass(frozen=True)
class TaskFailure:
    """An app's ``lastTaskFailure``: why its last task died."""

    state: str
    message: str
    host: str
    timestamp: datetime.datetime | None


@dataclass(frozen=True)
class MarathonTaskRow:
    task_id: str
    host: str
    port: int | None
    staged_at: datetime.datetime | None
    health: str  # N/A, Healthy or Unhealthy


@dataclass(frozen=True)
class AppStatus:
    """One Marathon app of the instance (several while bouncing)."""

    app_id: str
    version: str
    created_at: datetime.datetime | None
    instances: int
    tasks_running: int
    tasks_healthy: int
    tasks_unhealthy: int
    deployments: tuple[str, ...]
    tasks: tuple[MarathonTaskRow, ...]
    last_task_failure: TaskFailure | None


@dataclass(frozen=True)
class BackendRow:
    name: str  # hostname:port
    check: str
    last_change_seconds: int | None
    status: str
    matches_task: bool


@dataclass(frozen=True)
class SmartstackLocation:
    location: str
    up: int
    expected: int
    backends: tuple[BackendRow, ...] = ()
    error: str | None = None


@dataclass(frozen=True)
class SmartstackStatus:
    registration: str
    locations: tuple[SmartstackLocation, ...]


@dataclass(frozen=True)
class MarathonInstanceStatus:
    """Everything ``paasta status`` shows of a Marathon instance."""

    instance_type: ClassVar[str] = "marathon"

    service: str
    instance: str
    cluster: str
    git_sha: str
    desired_state: str
    bounce_method: str
    expected_count: int
    desired_app_id: str
    apps: tuple[AppStatus, ...]
    deploy_status: MarathonDeployStatus
    backoff_seconds: int
    queued: int
    stall_reasons: tuple[str, ...]
    mesos_running: tuple[TailedTaskRow, ...]
    mesos_non_running: tuple[TailedTaskRow, ...]
    mesos_error: str | None
    smartstack: SmartstackStatus | None
    now: datetime.datetime

    @property
    def desired_app(self) -> AppStatus | None:
        wanted = "/" + self.desired_app_id.lstrip("/")
        return next((app for app in self.apps if "/" + app.app_id.lstrip("/") == wanted), None)

    @property
    def running_count(self) -> int:
        app = self.desired_app
        return app.tasks_running if app is not None else 0


# --- building ------------------------------------------------------------------------------------


def _health(task: MarathonTask) -> str:
    if not task.health_alive:
        return "N/A"
    return "Healthy" if is_task_healthy(task, require_all=True) else "Unhealthy"


def _failure(data: Mapping[str, Any] | None) -> TaskFailure | None:
    if not data:
        return None
    return TaskFailure(
        state=str(data.get("state") or ""),
        message=str(data.get("message") or ""),
        host=str(data.get("host") or ""),
        timestamp=parse_marathon_time(data.get("timestamp")),
    )


def app_status_from_json(data: Mapping[str, Any]) -> AppStatus:
    """An AppStatus from Marathon's app JSON (tasks and lastTaskFailure embedded)."""
    tasks = [task_from_json(t) for t in data.get("tasks") or ()]
    rows = tuple(MarathonTaskRow(t.id, t.host, t.ports[0] if t.ports else None, t.staged_at, _health(t)) for t in tasks)
    version = str(data.get("version") or "")
    return AppStatus(
        app_id=str(data["id"]),
        version=version,
        created_at=parse_marathon_time(version) if version else None,
        instances=int(data.get("instances") or 0),
        tasks_running=int(data.get("tasksRunning") or 0),
        tasks_healthy=int(data.get("tasksHealthy") or 0),
        tasks_unhealthy=int(data.get("tasksUnhealthy") or 0),
        deployments=tuple(str(d.get("id")) for d in data.get("deployments") or ()),
        tasks=rows,
        last_task_failure=_failure(data.get("lastTaskFailure")),
    )


def mesos_tasks_of_instance(
    state: Mapping[str, Any], service: str, instance: str
) -> tuple[tuple[TailedTaskRow, ...], tuple[TailedTaskRow, ...]]:
    """(running, non-running) Mesos tasks of the instance; non-running newest first, at most 10."""
    prefix = format_job_id(service, instance) + "."
    return running_and_recent(row for row in mesos_task_rows(state, TailedTaskRow) if row.task_id.startswith(prefix))


def stall_reasons(status: MarathonDeployStatus, app: AppStatus | None, queue_item: QueueStatus | None) -> list[str]:
    """Why the desired app is not (yet) running as configured: backoff, capacity, health, last failure."""
    if app is None:
        return []
    reasons = []
    if status is MarathonDeployStatus.Waiting and queue_item is not None:
        reasons.append(
            f"{queue_item.count} task(s) waiting for resources: no Mesos offer matches the app's "
            "cpus/mem/disk/ports/constraints"
        )
    if status is MarathonDeployStatus.Delayed and queue_item is not None:
        reasons.append(f"launch backoff: {queue_item.count} task(s) queued after crashes")
    if app.tasks_unhealthy:
        reasons.append(f"{app.tasks_unhealthy} of {len(app.tasks)} task(s) failing health checks")
    failure = app.last_task_failure
    if failure is not None and status is not MarathonDeployStatus.Running:
        reasons.append(f"last task failure: {failure.state} on {failure.host or 'unknown host'}: {failure.message}")
    return reasons


def build_marathon_status(
    config: MarathonServiceConfig,
    desired_app_id: str,
    apps: Sequence[Mapping[str, Any]],
    queue: Sequence[QueueStatus],
    mesos_state: Mapping[str, Any] | None,
    now: datetime.datetime,
    mesos_error: str | None = None,
    smartstack: SmartstackStatus | None = None,
    tails: Mapping[str, TaskTails] | None = None,
) -> MarathonInstanceStatus:
    """The status of ``config``'s instance from Marathon's app JSON (only the instance's apps are used).

    ``tails`` maps Mesos task ids to their stdout/stderr tails (``-vv``).
    """
    service, instance = config.service, config.instance
    mine = [a for a in apps if is_app_of_instance(str(a.get("id", "")), service, instance)]
    app_statuses = tuple(sorted((app_status_from_json(a) for a in mine), key=lambda a: a.app_id))
    wanted = "/" + desired_app_id.lstrip("/")
    desired_json = next((a for a in mine if "/" + str(a["id"]).lstrip("/") == wanted), None)
    queue_item = find_queue_status(queue, desired_app_id)
    deploy_status = get_deploy_status(app_state_from_json(desired_json) if desired_json else None, queue_item)
    desired = next((a for a in app_statuses if "/" + a.app_id.lstrip("/") == wanted), None)
    running, non_running = mesos_tasks_of_instance(mesos_state or {}, service, instance)
    if tails:
        running = tuple(dataclasses.replace(row, tails=tails.get(row.task_id)) for row in running)
    return MarathonInstanceStatus(
        service=service,
        instance=instance,
        cluster=config.cluster,
        git_sha=sha_from_docker_image(config.get_docker_image())[:8],
        desired_state=config.get_desired_state(),
        bounce_method=config.get_bounce_method(),
        # upstream's get_instances() was 0 for a stopped instance: the desired count
        expected_count=config.get_desired_instances(),
        desired_app_id=desired_app_id,
        apps=app_statuses,
        deploy_status=deploy_status,
        backoff_seconds=int(queue_item.time_left_seconds) if queue_item else 0,
        queued=queue_item.count if queue_item else 0,
        stall_reasons=tuple(stall_reasons(deploy_status, desired, queue_item)),
        mesos_running=running,
        mesos_non_running=non_running,
        mesos_error=mesos_error,
        smartstack=smartstack,
        now=now,
    )


def smartstack_synapse_hosts(
    config: MarathonServiceConfig,
    namespace: ServiceNamespaceConfig,
    slaves: Sequence[Mapping[str, Any]],
    deploy_blacklist: Sequence[Sequence[str]] = (),
) -> dict[str, str]:
    """The synapse host to ask per location of the namespace's ``discover`` attribute (agents not blacklisted)."""
    blacklist = config.get_monitoring_blacklist(deploy_blacklist)
    return synapse_hosts_by_location(slaves_grouped_by_attribute(slaves, namespace.get_discover(), blacklist))


def _matches(backend: HaproxyBackend, tasks: Sequence[MarathonTask]) -> bool:
    return any(
        task.ports
        and backend.port == task.ports[0]
        and (backend.ip in (task.host, *task.ip_addresses) or backend.hostname == task.host)
        for task in tasks
    )


def _backend_row(backend: HaproxyBackend, tasks: Sequence[MarathonTask]) -> BackendRow:
    port = backend.port if backend.port is not None else ""
    lastchg = int(backend.lastchg) if backend.lastchg.isdigit() else None
    return BackendRow(
        name=f"{backend.hostname or backend.ip}:{port}",
        check=f"{backend.check_status}/{backend.check_code} in {backend.check_duration or 0}ms",
        last_change_seconds=lastchg,
        status=backend.status,
        matches_task=_matches(backend, tasks),
    )


def build_smartstack_status(
    registration: str,
    expected_count: int,
    backends_by_location: Mapping[str, Sequence[HaproxyBackend]],
    errors_by_location: Mapping[str, str],
    tasks: Sequence[MarathonTask],
) -> SmartstackStatus:
    """Backends of ``registration`` per location; expected per location = total / number of locations."""
    locations = sorted(set(backends_by_location) | set(errors_by_location))
    per_location = int(expected_count / len(locations)) if locations else 0
    built = []
    for location in locations:
        backends = [b for b in backends_by_location.get(location, ()) if b.pxname == registration]
        # UP first, then the others (upstream sorted by status, reversed)
        backends.sort(key=lambda b: b.status, reverse=True)
        built.append(
            SmartstackLocation(
                location=location,
                up=sum(1 for b in backends if b.is_up),
                expected=per_location,
                backends=tuple(_backend_row(b, tasks) for b in backends),
                error=errors_by_location.get(location),
            )
        )
    return SmartstackStatus(registration=registration, locations=tuple(built))


# --- rendering -----------------------------------------------------------------------------------


def _count_health(count: int, expected: int, p: Palette, zero_color: str) -> tuple[str, str]:
    text = f"({count}/{expected})"
    if count >= expected:
        return p.green("Healthy"), p.green(text)
    if count == 0:
        status = p.yellow("Critical") if zero_color == "yellow" else p.red("Critical")
        return status, p.red(text)
    return p.yellow("Warning"), p.yellow(text)


def deploy_status_text(status: MarathonDeployStatus, backoff_seconds: int, p: Palette) -> str:
    """The ``Status:`` part of the Marathon line."""
    if status is MarathonDeployStatus.Delayed:
        return f"{p.red('Delayed')} (tasks are crashing, next won't launch for another {backoff_seconds} seconds)"
    if status is MarathonDeployStatus.Waiting:
        return f"{p.red('Waiting')} (new tasks waiting for capacity to become available)"
    if status is MarathonDeployStatus.Running:
        return p.bold("Running")
    if status is MarathonDeployStatus.Deploying:
        return p.yellow("Deploying")
    if status is MarathonDeployStatus.Stopped:
        return p.grey("Stopped")
    return p.red(str(status))


def bouncing_status_human(app_count: int, bounce_method: str, p: Palette) -> str:
    """Disabled (no app), Configured (one) or Bouncing (several apps of the instance)."""
    if app_count == 0:
        return p.red("Disabled")
    if app_count == 1:
        return p.green("Configured")
    return p.yellow(f"Bouncing ({bounce_method})")


def desired_state_human(desired_state: str, expected_count: int, p: Palette) -> str:
    """Started, Stopped (bold: started with 0 instances; red: desired stop) or Unknown."""
    if desired_state == "stop":
        return p.red("Stopped")
    if desired_state == "start":
        return p.bold("Started" if expected_count != 0 else "Stopped")
    return p.red(f"Unknown (desired_state: {desired_state})")


def desired_state_line(status: MarathonInstanceStatus, p: Palette) -> str:
    bouncing = bouncing_status_human(len(status.apps), status.bounce_method, p)
    return f"Desired State:      {bouncing} and {desired_state_human(status.desired_state, status.expected_count, p)}"


def marathon_job_human(
    name: str, app_id: str, deploy_status: str | None, running: int, expected: int, p: Palette
) -> str:
    """The Marathon line of ``name`` (service.instance); ``deploy_status`` None when its app does not exist."""
    if deploy_status is None:
        return (
            f"Marathon:   {p.yellow('Warning')} - {p.cyan(name)} (app {app_id}) "
            "is not configured in Marathon yet (waiting for bounce)"
        )
    health, count = _count_health(running, expected, p, zero_color="yellow")
    return f"Marathon:   {health} - up with {count} instances. Status: {deploy_status}"


def marathon_line(status: MarathonInstanceStatus, p: Palette) -> str:
    deploy = None
    if status.desired_app is not None:
        deploy = deploy_status_text(status.deploy_status, status.backoff_seconds, p)
    name = f"{status.service}.{status.instance}"
    return marathon_job_human(name, status.desired_app_id, deploy, status.running_count, status.expected_count, p)


def _short_task_id(task_id: str) -> str:
    return task_id.split(".")[-1]


def _short_host(host: str) -> str:
    """The first label of a host name; addresses are kept whole."""
    if not host:
        return "Unknown"
    return host if host.replace(".", "").isdigit() else host.split(".")[0]


def _task_health(health: str, p: Palette) -> str:
    return {"Healthy": p.green, "Unhealthy": p.red}.get(health, p.grey)(health)


def app_verbose_lines(app: AppStatus, now: datetime.datetime, p: Palette) -> list[str]:
    lines = [f"  Marathon app ID: {p.bold(app.app_id)}"]
    if app.created_at is not None:
        created = app.created_at.astimezone()
        ago = naturaltime((now - created).total_seconds())
        lines.append(f"    App created: {created.replace(tzinfo=None)} ({ago})")
    lines.append("    Tasks:")
    rows: list[Sequence[str]] = [("Mesos Task ID", "Host deployed to", "Deployed at what localtime", "Health")]
    for task in app.tasks:
        host = f"{_short_host(task.host)}:{task.port}" if task.host else "Unknown"
        rows.append(
            (_short_task_id(task.task_id), host, deployed_at(task.staged_at, now), _task_health(task.health, p))
        )
    lines.extend(f"      {line}" for line in format_table(rows))
    if not app.tasks:
        lines.append("      No tasks associated with this marathon app")
    return lines


def mesos_line(status: MarathonInstanceStatus, p: Palette) -> str:
    if status.mesos_error is not None:
        return f"Mesos:      {p.red('Error')} - {status.mesos_error}"
    health, count = _count_health(len(status.mesos_running), status.expected_count, p, zero_color="red")
    return f"Mesos:      {health} - {count} tasks in the {p.bold('TASK_RUNNING')} state."


def mesos_verbose_lines(status: MarathonInstanceStatus, p: Palette) -> list[str]:
    now = status.now
    lines = ["  Running Tasks:"]
    rows: list[Sequence[str] | str] = [RUNNING_HEADER]
    for t in status.mesos_running:
        rows.append(running_task_cells(t, _short_task_id(t.task_id), now))
        rows.extend(tail_lines(t, p))
    lines.extend(f"    {line}" for line in format_table(rows))
    lines.append(p.grey("  Non-Running Tasks"))
    grey_rows = non_running_table(status.mesos_non_running, _short_task_id, now, p)
    lines.extend(f"    {line}" for line in format_table(grey_rows))
    return lines


def tail_lines(task: TailedTaskRow, p: Palette) -> list[str]:
    """The ``-vv`` stdout/stderr tails of a task, framed by blue ``tail for`` / ``EOF`` lines."""
    tails, short = task.tails, _short_task_id(task.task_id)
    if tails is None:
        return []
    if tails.error is not None:
        return [p.red(f"      couldn't read stdout/stderr for {short} ({tails.error})")]
    if not tails.streams:
        return [p.blue(f"      no stdout/stderr for {short}")]
    lines = []
    for stream in tails.streams:
        lines.append(p.blue(f"      {stream.path} tail for {short}"))
        lines.extend(stream.lines)
        lines.append(p.blue(f"      {stream.path} EOF"))
    return lines


def haproxy_backend_report(location: SmartstackLocation, p: Palette) -> str:
    if location.error is not None:
        return f"{location.location} - {p.red('Error')} - {location.error}"
    if location.up >= location.expected:
        health, count = p.green("Healthy"), f"{location.up}/{location.expected}"
    else:
        percent = int(location.up / location.expected * 100) if location.expected else 100
        healthy = percent >= SMARTSTACK_CRIT_PERCENT
        health = p.green("Healthy") if healthy else p.red("Critical")
        count = f"{location.up}/{location.expected}, {percent}%"
    up = p.bold("UP")
    return f"{location.location} - {health} - in haproxy with ({count}) total backends {up} in this namespace."


def _backend_status(status: str, p: Palette) -> str:
    if status == "UP":
        return p.default(status)
    if status in ("DOWN", "MAINT"):
        return p.red(status)
    return p.yellow(status)


def smartstack_lines(status: MarathonInstanceStatus, verbose: int, p: Palette) -> list[str]:
    smartstack = status.smartstack
    if smartstack is None:
        return []
    if not smartstack.locations:
        return [f"Smartstack: ERROR - {smartstack.registration} is NOT in smartstack at all!"]
    lines = ["Smartstack:"]
    if verbose:
        lines += [f"  Haproxy Service Name: {smartstack.registration}", "  Backends:"]
    rows: list[Sequence[str] | str] = [("      Name", "LastCheck", "LastChange", "Status")] if verbose else []
    for location in smartstack.locations:
        rows.append(f"    {haproxy_backend_report(location, p)}")
        for backend in location.backends if verbose else ():
            change = naturaltime(backend.last_change_seconds) if backend.last_change_seconds is not None else "?"
            row = (f"      {backend.name}", backend.check, change, _backend_status(backend.status, p))
            rows.append(row if backend.matches_task else tuple(p.grey(c) for c in row))
    return lines + format_table(rows)


def render_marathon_status(status: MarathonInstanceStatus, verbose: int, p: Palette) -> list[str]:
    """The instance's lines after ``instance:`` and ``Git sha:``, as paasta_serviceinit printed them."""
    lines = [desired_state_line(status, p), marathon_line(status, p)]
    lines += [f"  {p.yellow('Stalled')}: {reason}" for reason in status.stall_reasons]
    if verbose > 0:
        for app in status.apps:
            lines += app_verbose_lines(app, status.now, p)
    lines.append(mesos_line(status, p))
    if verbose > 0 and status.mesos_error is None:
        lines += mesos_verbose_lines(status, p)
    lines += smartstack_lines(status, verbose, p)
    return lines
