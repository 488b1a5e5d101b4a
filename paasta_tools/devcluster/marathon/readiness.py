"""Readiness checks (Marathon 1.4's ReadinessBehavior): which tasks a deployment waits for, when to check them.

A task launched by a running deployment of an app with ``readinessChecks`` is checked once it runs
(and is healthy, if the app has health checks): a GET every ``intervalSeconds`` against the host port
named ``portName``, until every check answered a status in ``httpStatusCodesForReady``.  Then the
checks stop; the results stay visible until the deployment moves past the app's step or ends.
The checks themselves are run by ``paasta_tools.devcluster.health.run_readiness_check``.
"""

from __future__ import annotations

import inspect
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any

from paasta_tools.devcluster.health import ReadinessAnswer
from paasta_tools.devcluster.marathon import planning
from paasta_tools.devcluster.marathon.model import network, port_mappings
from paasta_tools.devcluster.marathon.state import ReadinessResult, Task

if TYPE_CHECKING:
    from paasta_tools.devcluster.marathon.engine import Engine

log = logging.getLogger(__name__)

ReadinessRunner = Callable[[dict[str, Any], str, int], Awaitable[ReadinessAnswer]]


def port_names(definition: dict[str, Any]) -> list[str | None]:
    """The name of each host port of a task (None for an unnamed port), in host port order."""
    mappings = port_mappings(definition)
    if mappings and network(definition) in ("BRIDGE", "USER"):
        return [m.get("name") for m in mappings if m.get("hostPort") is not None]
    return [d.get("name") for d in definition["portDefinitions"]]


def readiness_port(definition: dict[str, Any], host_ports: list[int], port_name: str) -> int:
    """The host port named ``port_name``; ValueError naming the portName when the task has no such port."""
    names = port_names(definition)
    if port_name not in names or names.index(port_name) >= len(host_ports):
        known = ", ".join(repr(n) for n in names if n) or "none"
        raise ValueError(f"readinessChecks portName {port_name!r} names no port of the task (port names: {known})")
    return host_ports[names.index(port_name)]


def result_json(result: ReadinessResult, task_id: str) -> dict[str, Any]:
    """A ReadinessCheckResult as Marathon writes it (``lastResponse`` only when preserved)."""
    out: dict[str, Any] = {"name": result.name, "taskId": task_id, "ready": result.ready}
    if result.response is not None:
        status, content_type, body = result.response
        out["lastResponse"] = {"status": status, "contentType": content_type, "body": body}
    return out


def results_json(tasks: Iterable[Task], version: str | None = None) -> list[dict[str, Any]]:
    """The results of every task (of deployment ``version`` only, when given) that was checked at least once."""
    return [
        result_json(result, task.id)
        for task in tasks
        if task.readiness and (version is None or task.version == version)
        for result in task.readiness
        if result.checked
    ]


def wants_checks(task: Task) -> bool:
    """Readiness checks start once the task runs and, if its app has health checks, is healthy."""
    if task.state != "TASK_RUNNING" or task.killing:
        return False
    return task.healthy is True or not task.definition["healthChecks"]


class ReadinessScheduler:
    """Starts due readiness checks every tick and records their results on the tasks."""

    def __init__(self, engine: Engine, runner: ReadinessRunner) -> None:
        self.engine = engine
        self.runner = runner

    def schedule(self, now: float) -> None:
        """Drop results no deployment waits for any more; start the due checks of the tasks one waits for."""
        for app in self.engine.state.apps.values():
            deploying = planning.deploying_versions(app, self.engine.state)
            for task in app.tasks.values():
                if task.version not in deploying or not task.definition.get("readinessChecks"):
                    task.readiness = None
                elif wants_checks(task):
                    self._schedule_task(task, now)

    def _schedule_task(self, task: Task, now: float) -> None:
        checks = task.definition["readinessChecks"]
        if task.readiness is None:
            task.readiness = [ReadinessResult(check["name"], now) for check in checks]
        if task.readiness_checking:
            return
        due = [i for i, r in enumerate(task.readiness) if not r.ready and r.next_at <= now]
        if due:
            task.readiness_checking = True
            self.engine.spawn(self._check(task, due))

    async def _check(self, task: Task, indices: list[int]) -> None:
        try:
            checks = task.definition["readinessChecks"]
            answers = [await self._run_one(checks[i], task) for i in indices]
        finally:
            task.readiness_checking = False
        results = task.readiness
        if results is None:  # the deployment ended meanwhile
            return
        now = time.time()
        for index, answer in zip(indices, answers, strict=True):
            check, result = checks[index], results[index]
            result.checked = True
            result.ready = answer.ready
            result.next_at = now + max(float(check["intervalSeconds"]), 0.001)
            preserved = check["preserveLastResponse"] and answer.status is not None
            result.response = (answer.status, answer.content_type or "", answer.body or "") if preserved else None

    async def _run_one(self, check: dict[str, Any], task: Task) -> ReadinessAnswer:
        try:
            port = readiness_port(task.definition, task.host_ports, check["portName"])
            outcome = self.runner(check, self.engine.cluster.agent.hostname, port)
            if inspect.isawaitable(outcome):
                outcome = await outcome
            return outcome
        except Exception as exc:  # a check that cannot run is a task that is not ready, never a crash
            log.debug("readiness check %s of %s failed: %s", check.get("name"), task.id, exc)
            return ReadinessAnswer(False, message=f"{type(exc).__name__}: {exc}")
