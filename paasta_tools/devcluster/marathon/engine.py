"""The Marathon engine: every reconcile tick it polls the executor, updates tasks, launches and kills
to converge each app (scale check or rolling replacement), advances deployments and runs health checks.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from typing import Any

from paasta_tools.devcluster.cluster import Cluster, PortsExhausted
from paasta_tools.devcluster.executors.base import TaskState, TaskStatus
from paasta_tools.devcluster.health import run_readiness_check
from paasta_tools.devcluster.marathon import planning
from paasta_tools.devcluster.marathon.events import EventBus
from paasta_tools.devcluster.marathon.health_checks import HealthScheduler
from paasta_tools.devcluster.marathon.ids import format_ts, new_task_id
from paasta_tools.devcluster.marathon.launch import build_task_spec, fixed_host_ports, host_port_count
from paasta_tools.devcluster.marathon.readiness import ReadinessRunner, ReadinessScheduler
from paasta_tools.devcluster.marathon.state import App, Delay, MarathonState, Task
from paasta_tools.devcluster.marathon.views import plan_json
from paasta_tools.devcluster.mesos.maintenance import agent_removed_message, machine_is_down, reserved_scalars

log = logging.getLogger(__name__)

# Terminal states that grow the launch delay (Marathon's "limit-worthy" conditions); a kill never does.
BACKOFF_STATES = frozenset({"TASK_FAILED", "TASK_FINISHED", "TASK_ERROR", "TASK_DROPPED", "TASK_GONE"})
FAILURE_STATES = frozenset({"TASK_FAILED", "TASK_LOST", "TASK_ERROR"})
TERMINAL_STATES = frozenset({"TASK_FINISHED", "TASK_FAILED", "TASK_KILLED", "TASK_LOST", "TASK_ERROR"})
# Executor states a kill turns into TASK_KILLING (Marathon 1.4 registers the TASK_KILLING_STATE capability).
KILLABLE_STATES = frozenset({"TASK_RUNNING", "TASK_STARTING"})
# What the Mesos master tells frameworks about the tasks of an agent it removes for a machine going DOWN.
COMPLETED_KEPT = 100
LAUNCHES_PER_TICK = 500


class Engine:
    """Owns the executor side of the Marathon emulation; ``tick()`` is one reconcile round."""

    def __init__(
        self,
        cluster: Cluster,
        state: MarathonState,
        events: EventBus,
        health_runner: Callable[..., Awaitable[tuple[bool, str]]],
        readiness_runner: ReadinessRunner | None = None,
    ) -> None:
        self.cluster = cluster
        self.state = state
        self.events = events
        self.health = HealthScheduler(self, health_runner)
        self.readiness = ReadinessScheduler(self, readiness_runner or run_readiness_check)
        self._background: set[asyncio.Task[Any]] = set()
        self._loop_task: asyncio.Task[None] | None = None
        self._poll_seq = 0
        # Recently finished tasks with their end time, for the Mesos master's completed_tasks.
        self.completed: collections.deque[tuple[Task, float]] = collections.deque(maxlen=COMPLETED_KEPT)
        # Tasks Mesos reported LOST (their machine went DOWN) whose processes the executor still stops.
        self.orphans: dict[str, Task] = {}

    # -- lifecycle ---------------------------------------------------------------------------
    async def start(self) -> None:
        """Recover persisted state, then run the reconcile loop in the background."""
        await self.recover()
        self._loop_task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        """Stop the loop and every launch, kill and health check still running."""
        if self._loop_task is not None:
            self._loop_task.cancel()
            await asyncio.gather(self._loop_task, return_exceptions=True)
        for task in list(self._background):
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)

    async def _loop(self) -> None:
        while True:
            try:
                await self.tick()
            except Exception:  # one bad round must not stop the scheduler
                log.exception("marathon reconcile tick failed")
            await asyncio.sleep(self.cluster.settings.reconcile_interval)

    def spawn(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        """Run ``coroutine`` in the background, keeping a reference until it ends."""
        task = asyncio.create_task(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def recover(self) -> None:
        """Reload the persisted state and reattach to the tasks that were running before a restart."""
        specs = []
        for task, _ in self.state.load():
            self.cluster.ports.reserve(task.host_ports)
            if task.state in TERMINAL_STATES:
                self._adopt_orphan(task)
            try:
                specs.append(self._spec(task))
            except (KeyError, TypeError, ValueError) as exc:  # an unreadable record: the task counts as lost
                log.warning("cannot rebuild task %s: %s", task.id, exc)
        if specs:
            try:
                statuses = await self.cluster.executor.recover(specs)
            except Exception as exc:  # the executor cannot reattach: every task is lost and gets replaced
                log.warning("executor recovery failed: %s", exc)
                statuses = {}
            self.apply_statuses(statuses, time.time(), self._poll_seq)
        self._resume(time.time())

    def _resume(self, now: float) -> None:
        """Restart what lived in memory only: health checks start over, in-flight kills are sent again."""
        for app in self.state.apps.values():
            for task in app.tasks.values():
                if task.state == "TASK_RUNNING" and task.definition["healthChecks"]:
                    task.health = self.health.fresh_results(task, now)
        stopping = [t for app in self.state.stopping.values() for t in app.tasks.values()]
        killing = [t for app in self.state.apps.values() for t in app.tasks.values() if t.killing]
        for task in stopping + killing:
            task.killing = False
            self.kill(task)
        for task in self.orphans.values():
            self.spawn(self._run_kill(task))

    def _adopt_orphan(self, task: Task) -> None:
        """Move a LOST task still being stopped out of its app (a reloaded record)."""
        for app in self.all_apps():
            app.tasks.pop(task.id, None)
        self.orphans[task.id] = task

    # -- one round ---------------------------------------------------------------------------
    async def tick(self) -> None:
        """One reconcile round: poll, update tasks, launch/kill, advance deployments, schedule checks."""
        self._poll_seq += 1
        seq = self._poll_seq
        statuses = await self.cluster.executor.poll()
        now = time.time()
        self.apply_statuses(statuses, now, seq)
        with self.state.store.transaction():
            self.converge(now)
            self.advance_deployments()
        self.health.schedule(now)
        self.readiness.schedule(now)

    def all_apps(self) -> list[App]:
        return [*self.state.apps.values(), *self.state.stopping.values()]

    def apply_statuses(self, statuses: Mapping[str, TaskStatus], now: float, seq: int) -> None:
        """Update every known task from the executor's view of poll ``seq``; terminal tasks leave their app."""
        with self.state.store.transaction():
            for app in self.all_apps():
                for task in list(app.tasks.values()):
                    if task.launching:
                        continue
                    status = statuses.get(task.id)
                    if status is None:
                        if task.launched_seq < seq:
                            self.task_update(app, task, "TASK_LOST", "task unknown to the executor", now)
                        continue
                    state = self._reported_state(task, status)
                    if state != task.state:
                        self.task_update(app, task, state, status.message, now, status.started_at)
            for app_id in [a for a, app in self.state.stopping.items() if not app.tasks]:
                del self.state.stopping[app_id]
            self._reap_orphans(statuses)

    @staticmethod
    def _reported_state(task: Task, status: TaskStatus) -> str:
        """The Mesos state of ``task``: a task being killed is TASK_KILLING until the executor ends it."""
        state = str(status.state)
        if task.killing and state in KILLABLE_STATES:
            return "TASK_KILLING"
        return state

    def _reap_orphans(self, statuses: Mapping[str, TaskStatus]) -> None:
        """Forget the LOST tasks whose processes have ended (their ports are free again)."""
        for task_id, task in list(self.orphans.items()):
            status = statuses.get(task_id)
            if status is not None and not TaskState(status.state).is_terminal:
                continue
            del self.orphans[task_id]
            self.cluster.ports.release(task.host_ports)
            self.state.delete_task_doc(task_id)
            self.spawn(self.cluster.executor.forget(task_id))

    def task_update(
        self, app: App, task: Task, state: str, message: str, now: float, started: float | None = None
    ) -> None:
        """One status update of a task (Marathon's TaskStatusUpdate handling)."""
        task.state = state
        task.json_text = None
        self.events.publish("status_update_event", self._status_event(task, state, message))
        if state == "TASK_RUNNING":
            task.started_at = started or now
            if task.definition["healthChecks"]:
                task.health = self.health.fresh_results(task, now)
            if app.delay is not None:
                app.delay.reference = now
                self.state.save_delay(app)
            self.state.save_task(task)
            return
        if state not in TERMINAL_STATES:
            if state == "TASK_KILLING":
                task.started_at = task.started_at or started or now
                task.killing_at = now
            self.state.save_task(task)
            return
        del app.tasks[task.id]
        self.completed.append((task, now))
        if task.id in self.orphans:  # its process still runs: keep its record and ports until it ends
            self.state.save_task(task)
        else:
            self.cluster.ports.release(task.host_ports)
            self.state.delete_task_doc(task.id)
            self.spawn(self.cluster.executor.forget(task.id))
        if task.killing:
            return
        if state in FAILURE_STATES:
            self._record_failure(app, task, state, message, now)
        # The delay belongs to the app's current configuration; old-generation failures do not count.
        if state in BACKOFF_STATES and app.id in self.state.apps and task.gen == app.gen:
            self._increase_delay(app, now)

    def _status_event(self, task: Task, state: str, message: str) -> dict[str, Any]:
        return {
            "slaveId": self.cluster.agent.agent_id,
            "taskId": task.id,
            "taskStatus": state,
            "message": message,
            "appId": task.app_id,
            "host": self.cluster.agent.hostname,
            "ports": task.host_ports,
            "version": task.version,
        }

    def _record_failure(self, app: App, task: Task, state: str, message: str, now: float) -> None:
        app.last_task_failure = {
            "appId": app.id,
            "host": self.cluster.agent.hostname,
            "message": message,
            "state": state,
            "taskId": task.id,
            "timestamp": format_ts(now),
            "version": task.version,
            "slaveId": self.cluster.agent.agent_id,
        }
        if app.id in self.state.apps:
            self.state.save_app(app)

    def _increase_delay(self, app: App, now: float) -> None:
        definition = app.definition
        cap = definition["maxLaunchDelaySeconds"]
        if app.delay is None:
            seconds = min(definition["backoffSeconds"], cap)
        else:
            seconds = min(app.delay.seconds * definition["backoffFactor"], cap)
        app.delay = Delay(seconds, now)
        self.state.save_delay(app)

    # -- convergence -------------------------------------------------------------------------
    def converge(self, now: float) -> None:
        """Launch and kill what each app needs; launches wait for the backoff deadline and free resources.

        At most LAUNCHES_PER_TICK tasks start per round (as offers limit a real Marathon), so one round
        never blocks the event loop for long; the rest stay queued.
        """
        free = self._free_resources()
        budget = LAUNCHES_PER_TICK
        # A machine DOWN for maintenance: Mesos removes its agent (its tasks are LOST) and sends no offers.
        down = machine_is_down(self.cluster)
        if down:
            self._lose_agent_tasks(now)
        for app in list(self.state.apps.values()):
            self._expire_delay(app, now)
            launch, kills = planning.plan_app(app, self.state)
            for task in () if down else kills:
                self.kill(task)
            launched = 0
            if launch and not down and (app.delay is None or app.delay.deadline <= now):
                launched = self._launch_up_to(app, min(launch, budget), free, now)
            budget -= launched
            self._set_queued(app, launch - launched, now)

    def _lose_agent_tasks(self, now: float) -> None:
        """The master removed the agent: every task on it is TASK_LOST (REASON_SLAVE_REMOVED) at once,
        while the agent's shutdown stops the processes (orphans until the executor reports them ended)."""
        message = agent_removed_message(self.cluster)
        for app in self.all_apps():
            for task in [t for t in app.tasks.values() if not t.launching]:
                self.orphans[task.id] = task
                was_killing = task.killing
                self.task_update(app, task, "TASK_LOST", message, now)
                task.killing = True
                if not was_killing:
                    self.spawn(self._run_kill(task))
        for app_id in [a for a, app in self.state.stopping.items() if not app.tasks]:
            del self.state.stopping[app_id]

    def _launch_up_to(self, app: App, count: int, free: list[float], now: float) -> int:
        """Launch up to ``count`` tasks while the agent has ``free`` [cpus, mem] and constraints allow."""
        agent = self.cluster.agent
        cpus, mem = app.definition["cpus"], app.definition["mem"]
        launched = 0
        while launched < count and cpus <= free[0] + 1e-9 and mem <= free[1]:
            if not planning.placement_allows(app, agent.hostname, agent.attributes) or not self._launch(app, now):
                break
            launched += 1
            free[0] -= cpus
            free[1] -= mem
        return launched

    def _free_resources(self) -> list[float]:
        """[cpus, mem] the agent has left after every framework's running tasks (Chronos jobs too)."""
        cpus, mem = self._used_resources()
        for name, framework in self.cluster.frameworks.items():
            if name == "marathon":
                continue
            try:
                tasks = framework.mesos_tasks()
            except Exception as exc:  # another framework's view must not stop Marathon's launches
                log.warning("cannot read the tasks of framework %s: %s", name, exc)
                continue
            for task in tasks:
                resources = task.get("resources") or {}
                cpus += float(resources.get("cpus") or 0)
                mem += float(resources.get("mem") or 0)
        reserved = reserved_scalars(self.cluster)  # offered to the reserving role only, never to Marathon's "*"
        return [self.cluster.agent.cpus - cpus - reserved["cpus"], self.cluster.agent.mem - mem - reserved["mem"]]

    def _used_resources(self) -> tuple[float, float]:
        cpus = mem = 0.0
        for app in self.all_apps():
            for task in app.tasks.values():
                cpus += task.definition["cpus"]
                mem += task.definition["mem"]
        return cpus, mem

    def _expire_delay(self, app: App, now: float) -> None:
        delay = app.delay
        if delay is not None and now > delay.reference + app.definition["maxLaunchDelaySeconds"]:
            app.delay = None
            self.state.save_delay(app)

    @staticmethod
    def _set_queued(app: App, count: int, now: float) -> None:
        if count > 0 and app.queued_since is None:
            app.queued_since = now
        elif count <= 0:
            app.queued_since = None
        app.queued = max(0, count)

    def _host_ports(self, definition: dict[str, Any]) -> list[int]:
        fixed = fixed_host_ports(definition)
        if not fixed and host_port_count(definition):
            fixed = [None] * host_port_count(definition)
        dynamic = self.cluster.ports.allocate(sum(1 for p in fixed if p is None))
        self.cluster.ports.reserve([p for p in fixed if p is not None])
        iterator = iter(dynamic)
        return [p if p is not None else next(iterator) for p in fixed]

    def _launch(self, app: App, now: float) -> bool:
        try:
            host_ports = self._host_ports(app.definition)
        except PortsExhausted:
            return False
        task = Task(new_task_id(app.id), app.id, app.version, app.gen, host_ports, app.definition)
        task.staged_at = now
        task.launching = True
        app.tasks[task.id] = task
        self.state.save_task(task)
        self.spawn(self._run_launch(app, task))
        return True

    def _spec(self, task: Task):
        agent = self.cluster.agent
        return build_task_spec(task.definition, task.version, task.id, agent.hostname, task.host_ports)

    async def _run_launch(self, app: App, task: Task) -> None:
        try:
            await self.cluster.executor.launch(self._spec(task))
        except Exception as exc:  # a launch failure is a failed task, never a crashed engine
            task.launching = False
            if task.id in app.tasks:
                self.task_update(app, task, "TASK_FAILED", f"{type(exc).__name__}: {exc}", time.time())
            return
        task.launching = False
        task.launched_seq = self._poll_seq
        if task.killing:
            await self._run_kill(task)

    def kill(self, task: Task) -> None:
        """Ask the executor to stop ``task``; it leaves its app when the executor reports it terminal."""
        if task.killing:
            return
        task.killing = True
        if task.state in KILLABLE_STATES:
            task.state = "TASK_KILLING"
            task.killing_at = time.time()
            task.json_text = None
            self.events.publish("status_update_event", self._status_event(task, task.state, ""))
        self.state.save_task(task)
        if not task.launching:
            self.spawn(self._run_kill(task))

    async def _run_kill(self, task: Task) -> None:
        grace = task.definition.get("taskKillGracePeriodSeconds")
        try:
            await self.cluster.executor.kill(task.id, float(grace) if grace is not None else None)
        except Exception as exc:  # reported; the next poll still decides the task's fate
            log.warning("kill of %s failed: %s", task.id, exc)

    # -- deployments -------------------------------------------------------------------------
    def advance_deployments(self) -> None:
        """Move deployments past finished steps; finished plans leave the list."""
        for deployment in list(self.state.deployments.values()):
            outcome = planning.advance(deployment, self.state)
            if outcome is None:
                continue
            if outcome:
                self.state.remove_deployment(deployment.id)
                self.events.publish(
                    "deployment_success", {"id": deployment.id, "plan": plan_json(deployment, self.state)}
                )
            else:
                self.state.save_deployment(deployment)
                self.events.publish("deployment_step_success", {"plan": plan_json(deployment, self.state)})

    def reset_delay(self, app: App) -> None:
        """Drop the app's launch delay (DELETE /v2/queue/{app}/delay)."""
        app.delay = None
        self.state.save_delay(app)
