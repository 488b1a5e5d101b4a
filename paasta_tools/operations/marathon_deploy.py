"""Move one Marathon instance's bounce forward: fetch facts, plan (pure), apply through the client.

``deploy_instance`` is one run of §4.6 for one instance, given the apps listed once for the whole
run.  It never waits on Marathon: each cron run moves the bounce one step further.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from paasta_tools.clients import marathon_client
from paasta_tools.clients.drain_methods import DrainMethod, get_drain_method
from paasta_tools.clients.log_writer import LogWriter, NullLogWriter
from paasta_tools.clients.zookeeper import LockHeldError
from paasta_tools.errors import InvalidBounceMethodError, InvalidDrainMethodError, MarathonError, PaastaError
from paasta_tools.marathon.bounce_plan import DeployPlan, TaskFacts, plan_cleanup, plan_deploy
from paasta_tools.marathon.happy_tasks import get_happy_tasks_of_app, happy_task_params
from paasta_tools.marathon.tasks import MarathonAppState, MarathonTask, get_matching_apps
from paasta_tools.operations.locks import ZkLocks
from paasta_tools.operations.marathon_targets import InstanceTarget

log = logging.getLogger(__name__)

HaproxyLookup = Callable[[Collection[str], str], frozenset[tuple[str, int]]]
CONFLICT_MESSAGE = (
    "Failed to create, app {app_id} already exists. This means another bounce beat us to it. "
    "Skipping the rest of the bounce for this run"
)


def _utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


@dataclass
class DeployEnv:
    """The collaborators of a run: Marathon client, ZooKeeper locks, the deploy log, the clock."""

    client: Any
    locks: ZkLocks
    cluster: str
    log_writer: LogWriter = field(default_factory=NullLogWriter)
    now: Callable[[], datetime.datetime] = _utcnow
    haproxy_up: HaproxyLookup | None = None
    draining_hosts: frozenset[str] = frozenset()
    # Reserves all resources of the given hosts (Mesos maintenance); None where there is no master to ask.
    reserve_hosts: Callable[[Collection[str]], None] | None = None


@dataclass(frozen=True)
class DeployResult:
    """``status`` 0 (done or nothing to do) or 1 (failed), and the text for Sensu and the user."""

    status: int
    output: str


def marathon_errors() -> tuple[type[BaseException], ...]:
    from marathon.exceptions import MarathonError as LibraryError

    return (LibraryError, MarathonError)


def _is_conflict(exc: BaseException) -> bool:
    return getattr(exc, "status_code", None) == 409


class _Run:
    """One instance's run: the plan applied step by step, logging as upstream did."""

    def __init__(self, env: DeployEnv, target: InstanceTarget, drain: DrainMethod) -> None:
        self.env = env
        self.target = target
        self.drain = drain

    def log(self, line: str, level: str = "debug") -> None:
        self.env.log_writer.log(
            self.target.service, line, "deploy", level=level, cluster=self.env.cluster, instance=self.target.instance
        )

    def facts(self, apps: Iterable[MarathonAppState]) -> TaskFacts:
        """Happy, draining and failing-to-answer task ids of the instance's apps."""
        config, namespace = self.target.config, self.target.namespace
        params = happy_task_params(config.get_bounce_health_params(namespace))
        happy: set[str] = set()
        draining: set[str] = set()
        errors: set[str] = set()
        for app in apps:
            haproxy_up = self._haproxy_up(app.tasks) if params.check_haproxy else None
            happy.update(t.id for t in get_happy_tasks_of_app(app, self.env.now(), params, haproxy_up))
            for task in app.tasks:
                try:
                    if self.drain.is_draining(task):
                        draining.add(task.id)
                except Exception as exc:  # any drain backend failure: the task counts as unhappy
                    self.log(
                        f"Ignoring exception during is_draining of task {task.id}: {exc}. Treating task as 'unhappy'."
                    )
                    errors.add(task.id)
        return TaskFacts(frozenset(happy), frozenset(draining), frozenset(errors), self.env.draining_hosts)

    def _haproxy_up(self, tasks: Collection[MarathonTask]) -> frozenset[tuple[str, int]]:
        if self.env.haproxy_up is None:
            return frozenset()
        registration = f"{self.target.service}.{self.target.config.get_nerve_namespace()}"
        return self.env.haproxy_up(sorted({t.host for t in tasks if t.host}), registration)

    def prepare_new_app(self, plan: DeployPlan) -> None:
        if plan.scale_new_app_to is not None:
            log.info("Scaling %s to %d instances.", plan.new_app_id, plan.scale_new_app_to)
            marathon_client.scale_app(self.env.client, plan.new_app_id, plan.scale_new_app_to, force=True)
        for task in plan.undrain:
            try:
                self.drain.stop_draining(task)
            except Exception as exc:  # upstream ignores these: the task is drained again if needed
                self.log(f"Ignoring exception during stop_draining of task {task.id}: {exc}")

    def create(self, plan: DeployPlan) -> bool:
        """Create the new app under the global lock; False when another run created it first (409)."""
        self.log(plan.create_line())
        try:
            with self.env.locks.create():
                marathon_client.create_app(self.env.client, self.target.app_dict)
        except marathon_errors() as exc:
            if not _is_conflict(exc):
                raise
            message = CONFLICT_MESSAGE.format(app_id=plan.new_app_id)
            log.warning(message)
            self.log(message)
            return False
        return True

    def drain_and_find_killable(self, plan: DeployPlan) -> set[MarathonTask]:
        """Drain every task of the plan; those safe to kill (or failing to drain/answer) are returned."""
        for line in plan.drain_lines():
            self.log(line)
        killable: set[MarathonTask] = set()
        for task in plan.tasks_to_drain:
            try:
                self.drain.drain(task)
            except Exception as exc:  # a task that cannot be drained is killed, as upstream did
                self.log(f"{plan.bounce_method} bounce killing task {task.id} due to exception when draining: {exc}")
                killable.add(task)
        for task in plan.tasks_to_drain:
            try:
                if self.drain.is_safe_to_kill(task):
                    killable.add(task)
            except Exception as exc:
                self.log(
                    f"{plan.bounce_method} bounce killing task {task.id} due to exception in is_safe_to_kill: {exc}"
                )
                killable.add(task)
        return killable

    def kill_and_delete(self, plan: DeployPlan, killable: set[MarathonTask]) -> None:
        cleanup = plan_cleanup(plan, killable)
        for line in cleanup.lines:
            self.log(line, level="event" if "finishing" in line else "debug")
        marathon_client.kill_given_tasks(self.env.client, cleanup.kill_task_ids, scale=True, force=True)
        self.reserve_at_risk_hosts(plan, killable)
        if cleanup.apps_to_delete:
            with self.env.locks.create():
                for app_id in cleanup.apps_to_delete:
                    self.delete_old_app(app_id)

    def reserve_at_risk_hosts(self, plan: DeployPlan, killed: Collection[MarathonTask]) -> None:
        """Killed at-risk tasks leave a host going into maintenance: reserve it all so nothing lands there."""
        at_risk = frozenset().union(*plan.old.at_risk.values()) if plan.old.at_risk else frozenset()
        hosts = sorted({task.host for task in killed if task in at_risk and task.host})
        if not hosts or self.env.reserve_hosts is None:
            return
        try:
            self.env.reserve_hosts(hosts)
        except PaastaError as exc:  # upstream ignored HTTP errors here: the bounce itself succeeded
            log.warning("Failed to reserve resources on %s: %s", ", ".join(hosts), exc)
            self.log(f"Failed to reserve resources on {', '.join(hosts)}: {exc}")

    def delete_old_app(self, app_id: str) -> None:
        """Delete an emptied old app; a failure is logged and left to the next run, as upstream did."""
        try:
            marathon_client.delete_app(self.env.client, app_id, force=True)
        except marathon_errors() as exc:
            message = f"Failed to delete old app {app_id}, will retry on the next run: {exc}"
            log.warning(message)
            self.log(message)

    def bounce(self, plan: DeployPlan) -> DeployResult:
        self.prepare_new_app(plan)
        progress = plan.progress_line()
        if progress is not None:
            self.log(progress, level="event")
        if plan.create_app and not self.create(plan):
            return DeployResult(0, CONFLICT_MESSAGE.format(app_id=plan.new_app_id))
        self.kill_and_delete(plan, self.drain_and_find_killable(plan))
        return DeployResult(0, "Service deployed.")


def drain_method_for(target: InstanceTarget) -> DrainMethod:
    config, namespace = target.config, target.namespace
    return get_drain_method(
        config.get_drain_method(namespace),
        target.service,
        target.instance,
        config.get_nerve_namespace(),
        config.get_drain_method_params(namespace),
    )


def bounce_instance(env: DeployEnv, target: InstanceTarget, apps: Iterable[MarathonAppState]) -> DeployResult:
    """Plan and apply one step of the bounce of ``target`` (which must have an app dict).

    ``apps`` is every app Marathon listed (tasks embedded); the instance's are picked by id.
    Unknown bounce/drain methods give status 1 with upstream's "ERROR: ..." text.
    """
    try:
        drain = drain_method_for(target)
    except InvalidDrainMethodError as exc:
        return DeployResult(1, f"ERROR: {exc}")
    run = _Run(env, target, drain)
    matching = get_matching_apps(apps, target.service, target.instance)
    config = target.config
    try:
        plan = plan_deploy(
            target.name,
            target.app_dict,
            matching,
            run.facts(matching),
            config.get_bounce_method(),
            config.get_bounce_margin_factor(),
        )
    except InvalidBounceMethodError as exc:
        return DeployResult(1, f"ERROR: {exc}")
    try:
        return run.bounce(plan)
    except LockHeldError:  # the global create/delete lock stayed busy for its whole timeout
        return DeployResult(0, "Couldn't get marathon lock, skipping until next time")


def deploy_instance(env: DeployEnv, target: InstanceTarget, apps: Iterable[MarathonAppState]) -> DeployResult | None:
    """One run for one instance under its ZooKeeper bounce lock (§4.6 steps 3-7).

    Returns None when there is nothing to report to Sensu: the lock is held by another run, or
    the service has no deployments.json yet.  Errors of this instance become status 1.
    """
    if target.skip is not None:
        log.debug("No deployments found for %s in cluster %s. Skipping.", target.name, env.cluster)
        return None
    if target.error is not None:
        return DeployResult(1, str(target.error))
    try:
        with env.locks.bounce(target.service, target.instance):
            return bounce_instance(env, target, apps)
    except LockHeldError:
        log.error("Instance %s already being bounced. Exiting", target.name)
        return None
    except PaastaError as exc:
        return DeployResult(1, str(exc))
    except marathon_errors() as exc:
        return DeployResult(1, f"Marathon API error while deploying {target.name}: {exc}")


def drain_apps_away(env: DeployEnv, target: InstanceTarget, apps: Sequence[MarathonAppState]) -> DeployResult:
    """One step of the ``down`` bounce over ``apps`` (graceful_app_drain), under no lock of its own.

    Every task is drained with the instance's drain method (``target`` needs ``config`` and
    ``namespace``); those safe to kill are killed with scale, and an app left without tasks is deleted.
    ``target.app_dict`` (when set) names the instance's current app in the log lines.
    """
    run = _Run(env, target, drain_method_for(target))
    desired_id = (target.app_dict or {}).get("id", "")
    drained_ids = {app.id.lstrip("/") for app in apps}
    plan = plan_deploy(
        target.name,
        {"id": "" if desired_id in drained_ids else desired_id, "instances": 0},
        apps,
        run.facts(apps),
        "down",
    )
    run.kill_and_delete(plan, run.drain_and_find_killable(plan))
    return DeployResult(0, f"Drained {len(plan.tasks_to_drain)} tasks of {', '.join(sorted(drained_ids))}")
