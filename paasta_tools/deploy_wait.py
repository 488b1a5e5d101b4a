"""Is a marked commit deployed yet? Per-instance decisions from fetched state, and the overall progress.

Pure: takes :class:`~paasta_tools.status.marathon.MarathonInstanceStatus` values (built by ``paasta
status``'s fetching code for the marked sha) and returns data and lines.  A Marathon instance is
deployed when the app of the marked commit and current config is its only app, Running, with as
many tasks running as expected and none failing health checks; a stopped instance (or one expecting
0 instances) and an instance of another type count as deployed right away.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from paasta_tools.marathon.deploy_status import MarathonDeployStatus
from paasta_tools.status.marathon import AppStatus, MarathonInstanceStatus


@dataclass(frozen=True)
class InstanceProgress:
    """Where one instance of the deploy group stands; ``detail`` completes "<service>.<instance> on <cluster> ..."."""

    cluster: str
    instance: str
    done: bool
    detail: str

    def line(self, service: str) -> str:
        """The sentence naming the instance and its state."""
        return f"{service}.{self.instance} on {self.cluster} {self.detail}"


def _short(app_id: str) -> str:
    return app_id.lstrip("/")


def _not_running_detail(status: MarathonInstanceStatus) -> str:
    reasons = "; ".join(status.stall_reasons)
    if status.deploy_status is MarathonDeployStatus.Delayed:
        detail = f"is delayed: tasks are crashing, the next launch is in {status.backoff_seconds}s"
    elif status.deploy_status is MarathonDeployStatus.Waiting:
        detail = "is waiting for resources: no Mesos offer fits its tasks yet"
    elif status.deploy_status is MarathonDeployStatus.Deploying:
        detail = "is deploying: a Marathon deployment is in progress"
    else:
        detail = f"isn't running yet: {status.deploy_status}"
    return f"{detail} ({reasons})" if reasons else detail


def _desired_app_problem(status: MarathonInstanceStatus, desired: AppStatus, expected: int) -> str | None:
    """Why the marked commit's app is not complete yet (None when it is)."""
    if status.deploy_status is not MarathonDeployStatus.Running:
        return _not_running_detail(status)
    if desired.tasks_unhealthy:
        return f"is unhealthy: {desired.tasks_unhealthy} of {desired.tasks_running} tasks failing health checks"
    running = desired.tasks_running
    if running < expected:
        return f"isn't scaled up yet, has {running} out of {expected}"
    if running > expected:
        return f"isn't scaled down yet, has {running} out of {expected}"
    return None


def marathon_progress(status: MarathonInstanceStatus, expected: int | None = None) -> InstanceProgress:
    """The progress of a Marathon instance whose desired app is the marked commit's.

    ``expected`` overrides the configured count (an autoscaled instance expects what its app says).
    """
    expected = status.expected_count if expected is None else expected

    def progress(done: bool, detail: str) -> InstanceProgress:
        return InstanceProgress(status.cluster, status.instance, done, detail)

    if status.desired_state == "stop" or expected == 0:
        return progress(True, "is marked as stopped. Marked as deployed.")
    desired = status.desired_app
    if desired is None:
        old = ", ".join(_short(app.app_id) for app in status.apps)
        running = f"; still running {old}" if old else ""
        return progress(False, f"is not created yet: no Marathon app {_short(status.desired_app_id)}{running}")
    problem = _desired_app_problem(status, desired, expected)
    if len(status.apps) > 1:
        old = ", ".join(_short(app.app_id) for app in status.apps if app is not desired)
        new_app = f"; the new app {problem}" if problem else ""
        return progress(False, f"is still bouncing, {len(status.apps)} versions running (old: {old}){new_app}")
    if problem:
        return progress(False, problem)
    return progress(True, f"looks 100% deployed at {expected} instances on {status.git_sha}")


def other_type_progress(cluster: str, instance: str, instance_type: str) -> InstanceProgress:
    """An instance that is not a Marathon service (chronos, adhoc): nothing to wait for."""
    return InstanceProgress(
        cluster, instance, True, f"is a {instance_type} instance, not a Marathon one. Marked as deployed."
    )


def error_progress(cluster: str, instance: str, message: str) -> InstanceProgress:
    """An instance whose state could not be read (cluster unreachable, broken config): still waiting."""
    return InstanceProgress(cluster, instance, False, f"could not be checked: {message}")


@dataclass(frozen=True)
class DeployProgress:
    """All instances of the deploy group: how many are deployed and which are still waiting."""

    total: int
    waiting: tuple[InstanceProgress, ...]

    @property
    def deployed(self) -> int:
        return self.total - len(self.waiting)

    @property
    def complete(self) -> bool:
        return not self.waiting

    @property
    def percent(self) -> int:
        return 100 if not self.total else self.deployed * 100 // self.total

    def waiting_by_cluster(self) -> dict[str, list[str]]:
        """``{cluster: [instance, ...]}`` of the instances still waiting, clusters sorted."""
        by_cluster: dict[str, list[str]] = {}
        for item in sorted(self.waiting, key=lambda p: (p.cluster, p.instance)):
            by_cluster.setdefault(item.cluster, []).append(item.instance)
        return by_cluster


def summarize(total: int, waiting: Iterable[InstanceProgress]) -> DeployProgress:
    """The DeployProgress of ``total`` instances of which ``waiting`` are not deployed yet."""
    return DeployProgress(total, tuple(sorted(waiting, key=lambda p: (p.cluster, p.instance))))


def progress_lines(service: str, progress: DeployProgress) -> list[str]:
    """A count line, then one indented line per waiting instance saying why it waits."""
    lines = [f"Deployed {progress.deployed} of {progress.total} instances ({progress.percent}%)"]
    if progress.waiting:
        lines[0] += ", waiting on:"
    lines.extend(f"  {item.line(service)}" for item in progress.waiting)
    return lines


def timeout_message(
    service: str, deploy_group: str, git_sha: str, timeout: float, waiting: Mapping[str, Sequence[str]]
) -> str:
    """What to do when the wait timed out: status and logs commands of the instances still waiting."""
    status_commands, logs_commands = [], []
    for cluster, instances in sorted(waiting.items()):
        joined = ",".join(instances)
        status_commands.append(f"paasta status -c {cluster} -s {service} -i {joined}")
        logs_commands.append(f"paasta logs -c {cluster} -s {service} -i {joined} -C deploy -l 1000")
    separator = "\n  "
    return (
        f"\n\nTimed out after {timeout:g} seconds, waiting for {service} in {deploy_group} to be deployed by PaaSTA.\n"
        "This probably means the deploy hasn't succeeded. The new service might not be healthy or one or more "
        "clusters could be having issues.\n\n"
        "To debug try running:\n\n"
        f"  {separator.join(status_commands)}\n\n  {separator.join(logs_commands)}"
        "\n\nIf the service is known to be slow to start you may wish to increase the timeout on this step.\n"
        "To wait a little longer run:\n\n"
        f"  paasta wait-for-deployment -s {service} -l {deploy_group} -c {git_sha}"
    )


def aborted_lines(service: str, deploy_group: str) -> list[str]:
    """What is printed when the wait stopped before the deploy finished (and nothing was rolled back)."""
    return [
        "Waiting for deployment aborted. PaaSTA will continue to try to deploy this code.",
        "If you wish to see the status, run:",
        "",
        f"    paasta status -s {service} -l {deploy_group} -v",
        "",
    ]


def rollback_hint_lines(service: str, deploy_group: str, old_sha: str) -> list[str]:
    """The ``paasta rollback`` command that re-marks ``old_sha``."""
    return [
        "",
        "If you wish to roll back, you can run:",
        "",
        f"    paasta rollback --service {service} --deploy-group {deploy_group} --commit {old_sha} ",
    ]
