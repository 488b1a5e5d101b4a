"""The JSON Marathon 1.4 answers with: apps with counts/tasks/deployments, tasks, deployments, queue items."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Iterable
from typing import Any

from paasta_tools.devcluster.marathon.ids import format_ts, instance_id
from paasta_tools.devcluster.marathon.readiness import results_json
from paasta_tools.devcluster.marathon.state import App, Deployment, HealthResult, MarathonState, Task

dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
EMBED_PREFIXES = ("group.apps.", "apps.", "app.")
ACTIVE_STATES = frozenset({"TASK_STAGING", "TASK_STARTING", "TASK_RUNNING"})


def embeds(values: Iterable[str]) -> set[str]:
    """Requested embeds with Marathon's prefixes stripped; ``failures`` expands as Marathon does."""
    found = set()
    for value in values:
        for prefix in EMBED_PREFIXES:
            if value.startswith(prefix):
                value = value[len(prefix) :]
                break
        found.add(value)
    if "failures" in found:
        found |= {"lastTaskFailure", "tasks", "counts", "deployments"}
    return found


def _health_json(result: HealthResult, task_id: str) -> dict[str, Any]:
    return {
        "alive": result.alive,
        "consecutiveFailures": result.consecutive_failures,
        "firstSuccess": format_ts(result.first_success) if result.first_success else None,
        "lastFailure": format_ts(result.last_failure) if result.last_failure else None,
        "lastSuccess": format_ts(result.last_success) if result.last_success else None,
        "lastFailureCause": result.cause,
        "instanceId": instance_id(task_id),
    }


def task_json(task: Task, host: str, slave_id: str, service_ports: list[int] | None = None) -> dict[str, Any]:
    """Task JSON (§2.7); ``service_ports`` only for the global /v2/tasks listing."""
    out: dict[str, Any] = {
        "id": task.id,
        "slaveId": slave_id,
        "host": host,
        "state": task.state,
        "startedAt": format_ts(task.started_at) if task.started_at else None,
        "stagedAt": format_ts(task.staged_at),
        "ports": task.host_ports,
        "version": task.version,
        "ipAddresses": [{"ipAddress": host, "protocol": "IPv4"}],
        "appId": task.app_id,
    }
    if service_ports:
        out["servicePorts"] = service_ports
    if task.health:
        results = [r for r in task.health if r.last_success is not None or r.last_failure is not None]
        if results:
            out["healthCheckResults"] = [_health_json(r, task.id) for r in results]
    return out


def counts(app: App) -> dict[str, int]:
    """tasksStaged/Running/Healthy/Unhealthy of an app, as Marathon counts them (a TASK_KILLING task in none)."""
    staged = running = healthy = unhealthy = 0
    for task in app.tasks.values():
        if task.state == "TASK_RUNNING":
            running += 1
        elif task.state in ("TASK_STAGING", "TASK_STARTING"):
            staged += 1
        state = task.healthy if task.state != "TASK_KILLING" else None
        if state is True:
            healthy += 1
        elif state is False:
            unhealthy += 1
    return {"tasksStaged": staged, "tasksRunning": running, "tasksHealthy": healthy, "tasksUnhealthy": unhealthy}


def _stats(tasks: list[Task], now: float) -> dict[str, Any]:
    counted = {"staged": 0, "running": 0, "healthy": 0, "unhealthy": 0}
    lifetimes = []
    for task in tasks:
        if task.state == "TASK_KILLING":
            continue
        counted["running" if task.state == "TASK_RUNNING" else "staged"] += 1
        if task.healthy is True:
            counted["healthy"] += 1
        elif task.healthy is False:
            counted["unhealthy"] += 1
        if task.started_at:
            lifetimes.append(now - task.started_at)
    stats: dict[str, Any] = {"counts": counted}
    if lifetimes:
        stats["lifeTime"] = {
            "averageSeconds": sum(lifetimes) / len(lifetimes),
            "medianSeconds": statistics.median(lifetimes),
        }
    return {"stats": stats}


def task_stats(app: App) -> dict[str, Any]:
    """``taskStats``: only the categories that have tasks, as Marathon writes them."""
    now = time.time()
    tasks = list(app.tasks.values())
    groups = {
        "startedAfterLastScaling": [t for t in tasks if t.version >= app.last_scaling_at],
        "withLatestConfig": [t for t in tasks if t.gen == app.gen],
        "withOutdatedConfig": [t for t in tasks if t.gen != app.gen],
        "totalSummary": tasks,
    }
    return {name: _stats(group, now) for name, group in groups.items() if group}


class Renderer:
    """Renders with the agent's host/slave id and one index of deployments per app (built once per request)."""

    def __init__(self, state: MarathonState, host: str, slave_id: str) -> None:
        self.host = host
        self.slave_id = slave_id
        self.version = ""
        self.deployments: dict[str, list[dict[str, str]]] = {}
        for deployment in state.deployments.values():
            for app_id in deployment.affected_apps:
                self.deployments.setdefault(app_id, []).append({"id": deployment.id})

    def task(self, task: Task, service_ports: list[int] | None = None) -> dict[str, Any]:
        return task_json(task, self.host, self.slave_id, service_ports)

    def app(self, app: App, wanted: set[str], show: bool = False) -> dict[str, Any]:
        return app_json(app, self, wanted, show)

    def task_text(self, task: Task) -> str:
        if task.json_text is None:
            task.json_text = dumps(task_json(task, self.host, self.slave_id))
        return task.json_text

    def app_text(self, app: App, wanted: set[str], show: bool = False) -> str:
        """``app(...)`` serialised, from cached definition and task JSON (the fast path of big lists)."""
        if app.definition_text is None:
            app.definition_text = dumps(app.definition)
        status: dict[str, Any] = {
            "versionInfo": {"lastScalingAt": app.last_scaling_at, "lastConfigChangeAt": app.last_config_change_at},
            **counts(app),
            "deployments": self.deployments.get(app.id, []),
        }
        parts = [app.definition_text[:-1], ",", dumps(status)[1:-1]]
        if show or "tasks" in wanted:
            parts.extend((',"tasks":[', ",".join([self.task_text(t) for t in app.tasks.values()]), "]"))
        rare = _rare_fields(app, wanted, show)
        if rare:
            parts.extend((",", dumps(rare)[1:-1]))
        parts.append("}")
        return "".join(parts)


def app_json(app: App, renderer: Renderer, wanted: set[str], show: bool = False) -> dict[str, Any]:
    """An app with version info, counts and deployments always; tasks etc. when embedded (or ``show``)."""
    out = dict(app.definition)
    out["version"] = app.version
    out["versionInfo"] = {"lastScalingAt": app.last_scaling_at, "lastConfigChangeAt": app.last_config_change_at}
    out.update(counts(app))
    out["deployments"] = renderer.deployments.get(app.id, [])
    if show or "tasks" in wanted:
        host, slave_id = renderer.host, renderer.slave_id
        out["tasks"] = [task_json(t, host, slave_id) for t in app.tasks.values()]
    out.update(_rare_fields(app, wanted, show))
    return out


def _rare_fields(app: App, wanted: set[str], show: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if (show or "lastTaskFailure" in wanted) and app.last_task_failure is not None:
        out["lastTaskFailure"] = app.last_task_failure
    if "readiness" in wanted:
        out["readinessCheckResults"] = results_json(app.tasks.values())
    if "taskStats" in wanted:
        out["taskStats"] = task_stats(app)
    return out


def _action_readiness(action: dict[str, str], deployment: Deployment, state: MarathonState) -> list[dict[str, Any]]:
    app = state.apps.get(action["app"])
    if app is None or action["action"] == "StopApplication":
        return []
    return results_json(app.tasks.values(), deployment.version)


def deployment_json(deployment: Deployment, state: MarathonState) -> dict[str, Any]:
    """A deployment plan as GET /v2/deployments shows it, with the readiness results of its current actions."""
    current = [
        {**a, "readinessCheckResults": _action_readiness(a, deployment, state)} for a in deployment.current_actions()
    ]
    return {
        "id": deployment.id,
        "version": deployment.version,
        "affectedApps": deployment.affected_apps,
        "affectedPods": [],
        "steps": [{"actions": [dict(a) for a in step]} for step in deployment.steps],
        "currentActions": current,
        "currentStep": deployment.current_step,
        "totalSteps": len(deployment.steps),
    }


def queue_item_json(app: App, renderer: Renderer, now: float) -> dict[str, Any]:
    """One /v2/queue item: count, delay, since, offer summary and the app."""
    deadline = app.delay.deadline if app.delay else now
    return {
        "count": app.queued,
        "delay": {"timeLeftSeconds": max(0, int(round(deadline - now))), "overdue": deadline <= now},
        "since": format_ts(app.queued_since or now),
        "processedOffersSummary": {
            "processedOffersCount": 0,
            "unusedOffersCount": 0,
            "rejectSummaryLastOffers": [],
            "rejectSummaryLaunchAttempt": [],
        },
        "app": app_json(app, renderer, set()),
    }


def _group_state(definitions: list[dict[str, Any]], version: str) -> dict[str, Any]:
    return {"id": "/", "apps": definitions, "groups": [], "pods": [], "dependencies": [], "version": version}


def plan_json(deployment: Deployment, state: MarathonState) -> dict[str, Any]:
    """A plan as deployment events carry it: original and target state of the affected apps, and the steps."""
    original = [d for d in deployment.originals.values() if d is not None]
    target = [state.apps[a].definition for a in deployment.affected_apps if a in state.apps]
    return {
        "id": deployment.id,
        "version": deployment.version,
        "original": _group_state(original, deployment.version),
        "target": _group_state(target, deployment.version),
        "steps": [step_json(step) for step in deployment.steps],
    }


def step_json(step: list[dict[str, str]]) -> dict[str, Any]:
    return {"actions": [{"action": str(a["action"]), "app": a["app"]} for a in step]}
