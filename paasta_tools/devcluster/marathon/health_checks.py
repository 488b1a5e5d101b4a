"""Health-check scheduling (Marathon's HealthCheckActor): when to check, how results count, when to kill.

The checks themselves are run by ``paasta_tools.devcluster.health.run_health_check``.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from paasta_tools.devcluster.marathon.ids import instance_id
from paasta_tools.devcluster.marathon.state import HealthResult, Task

if TYPE_CHECKING:
    from paasta_tools.devcluster.marathon.engine import Engine

HealthRunner = Callable[..., Awaitable[tuple[bool, str]]]


def apply_result(
    result: HealthResult, check: dict[str, Any], task: Task, alive: bool, message: str, now: float
) -> bool:
    """Record one check outcome; returns True when Marathon would kill the task for it.

    Failures are ignored while the task never succeeded and is within ``gracePeriodSeconds`` of its
    start; a failure kills when the consecutive failures before it already reached
    ``maxConsecutiveFailures`` (0 = never kill).
    """
    result.next_at = now + max(check["intervalSeconds"], 0.001)
    if alive:
        result.alive = True
        result.consecutive_failures = 0
        result.last_success = now
        if result.first_success is None:
            result.first_success = now
        return False
    started = task.started_at or now
    if result.first_success is None and now < started + check["gracePeriodSeconds"]:
        return False
    limit = check["maxConsecutiveFailures"]
    kill = limit > 0 and result.consecutive_failures >= limit
    result.consecutive_failures += 1
    result.alive = False
    result.last_failure = now
    result.cause = message
    return kill


class HealthScheduler:
    """Starts due checks of running tasks each tick and feeds the results back into the engine."""

    def __init__(self, engine: Engine, runner: HealthRunner) -> None:
        self.engine = engine
        self.runner = runner

    @staticmethod
    def fresh_results(task: Task, now: float) -> list[HealthResult]:
        """Empty results of a task that just started; Mesos-run checks wait ``delaySeconds`` first."""
        return [HealthResult(now + check.get("delaySeconds", 0)) for check in task.definition["healthChecks"]]

    def schedule(self, now: float) -> None:
        """Start the due checks of every running task (one check run per task at a time)."""
        for app in self.engine.state.apps.values():
            for task in app.tasks.values():
                if task.health and not task.checking and task.state == "TASK_RUNNING" and not task.killing:
                    due = [i for i, r in enumerate(task.health) if r.next_at <= now]
                    if due:
                        task.checking = True
                        self.engine.spawn(self._check(task, due))

    async def _check(self, task: Task, indices: list[int]) -> None:
        try:
            checks = task.definition["healthChecks"]
            outcomes = await asyncio.gather(*(self._run_one(checks[i], task) for i in indices))
        finally:
            task.checking = False
        self._record(task, indices, outcomes)

    async def _run_one(self, check: dict[str, Any], task: Task) -> tuple[bool, str]:
        agent = self.engine.cluster.agent
        try:
            outcome = self.runner(check, agent.hostname, task.host_ports, self.engine.cluster.executor, task.id)
            if inspect.isawaitable(outcome):
                outcome = await outcome
            return bool(outcome[0]), str(outcome[1])
        except Exception as exc:  # a crashing check is a failed check
            return False, f"{type(exc).__name__}: {exc}"

    def _record(self, task: Task, indices: list[int], outcomes: list[tuple[bool, str]]) -> None:
        if task.health is None or task.killing or task.state != "TASK_RUNNING":
            return
        now = time.time()
        task.json_text = None
        events = self.engine.events
        checks = task.definition["healthChecks"]
        for index, (alive, message) in zip(indices, outcomes, strict=True):
            result = task.health[index]
            was_alive = result.alive if (result.last_success or result.last_failure) else None
            kill = apply_result(result, checks[index], task, alive, message, now)
            if not alive and result.last_failure == now:
                payload = {"appId": task.app_id, "taskId": task.id, "healthCheck": checks[index]}
                events.publish("failed_health_check_event", payload)
            changed = result.alive if (result.last_success or result.last_failure) else None
            if changed is not None and changed != was_alive:
                payload = {"appId": task.app_id, "instanceId": instance_id(task.id), "version": task.version}
                events.publish("health_status_changed_event", {**payload, "alive": changed})
            if kill:
                events.publish(
                    "unhealthy_instance_kill_event",
                    {
                        "appId": task.app_id,
                        "taskId": task.id,
                        "instanceId": instance_id(task.id),
                        "version": task.version,
                        "reason": message,
                        "host": self.engine.cluster.agent.hostname,
                        "slaveId": self.engine.cluster.agent.agent_id,
                    },
                )
                self.engine.kill(task)
                return
