"""The Marathon emulation's state: apps, versions, tasks, deployments, launch delays — persisted in the Store.

Records are small mutable objects kept in memory (the API answers from memory); every change that
must survive ``kill -9`` is written through to ``cluster.store`` at once.
"""

from __future__ import annotations

import enum
import time
from dataclasses import dataclass, field
from typing import Any

from paasta_tools.devcluster.marathon.ids import VersionClock
from paasta_tools.devcluster.marathon.model import service_port_slots, with_service_ports
from paasta_tools.devcluster.store import Store

APP_KIND = "marathon_app"
VERSION_KIND = "marathon_version"
TASK_KIND = "marathon_task"
DEPLOYMENT_KIND = "marathon_deployment"
DELAY_KIND = "marathon_delay"
SERVICE_PORT_RANGE = (10000, 20000)
MAX_VERSIONS = 50


class Action(enum.StrEnum):
    """Deployment step actions, spelled as Marathon's /v2/deployments shows them."""

    START = "StartApplication"
    STOP = "StopApplication"
    SCALE = "ScaleApplication"
    RESTART = "RestartApplication"


class HealthResult:
    """One health check's results for one task (kept in memory only, as Marathon does)."""

    __slots__ = ("alive", "consecutive_failures", "first_success", "last_success", "last_failure", "cause", "next_at")

    def __init__(self, next_at: float) -> None:
        self.alive = False
        self.consecutive_failures = 0
        self.first_success: float | None = None
        self.last_success: float | None = None
        self.last_failure: float | None = None
        self.cause: str | None = None
        self.next_at = next_at


class ReadinessResult:
    """One readiness check's latest outcome for one task (in memory, for the running deployment only)."""

    __slots__ = ("name", "ready", "response", "checked", "next_at")

    def __init__(self, name: str, next_at: float) -> None:
        self.name = name
        self.ready = False
        # (status, content type, body) of the last answer, kept when the check preserves it.
        self.response: tuple[int, str, str] | None = None
        self.checked = False
        self.next_at = next_at


class Task:
    """One Marathon task; ``gen`` is the app's launch generation (config change or restart) it belongs to."""

    __slots__ = (
        "id",
        "app_id",
        "version",
        "gen",
        "host_ports",
        "staged_at",
        "started_at",
        "state",
        "killing",
        "launching",
        "definition",
        "health",
        "checking",
        "json_text",
        "launched_seq",
        "readiness",
        "readiness_checking",
        "killing_at",
    )

    def __init__(
        self, task_id: str, app_id: str, version: str, gen: str, host_ports: list[int], definition: dict
    ) -> None:
        self.id = task_id
        self.app_id = app_id
        self.version = version
        self.gen = gen
        self.host_ports = host_ports
        self.staged_at = time.time()
        self.started_at: float | None = None
        self.state = "TASK_STAGING"
        self.killing = False
        self.launching = False
        self.definition = definition
        self.health: list[HealthResult] | None = None
        self.checking = False
        # The rendered task JSON, dropped whenever the task changes (lists of thousands stay fast).
        self.json_text: str | None = None
        # The engine's poll counter when the executor accepted the task (older polls cannot know it).
        self.launched_seq = -1
        # Readiness results while a deployment waits for this task; None when no check applies.
        self.readiness: list[ReadinessResult] | None = None
        self.readiness_checking = False
        # When the task went TASK_KILLING (for the Mesos master's list of its status updates).
        self.killing_at: float | None = None

    def to_doc(self) -> dict[str, Any]:
        return {
            "appId": self.app_id,
            "version": self.version,
            "gen": self.gen,
            "ports": self.host_ports,
            "stagedAt": self.staged_at,
            "startedAt": self.started_at,
            "state": self.state,
            "killing": self.killing,
            "killingAt": self.killing_at,
        }

    @property
    def healthy(self) -> bool | None:
        """True: every check alive; False: one is not; None: no results yet."""
        if not self.health:
            return None
        results = [r for r in self.health if r.last_success is not None or r.last_failure is not None]
        if not results:
            return None
        return all(r.alive for r in results)


class Delay:
    """The launch backoff of one app (Marathon's RateLimiter entry)."""

    __slots__ = ("seconds", "reference")

    def __init__(self, seconds: float, reference: float) -> None:
        self.seconds = seconds
        self.reference = reference

    @property
    def deadline(self) -> float:
        return self.reference + self.seconds


class App:
    """An app: its current definition, version info and tasks."""

    __slots__ = (
        "_definition",
        "definition_text",
        "version",
        "last_scaling_at",
        "last_config_change_at",
        "gen",
        "tasks",
        "last_task_failure",
        "delay",
        "queued",
        "queued_since",
    )

    def __init__(self, definition: dict[str, Any], version: str) -> None:
        self._definition = definition
        self.definition_text: str | None = None
        self.version = version
        self.last_scaling_at = version
        self.last_config_change_at = version
        self.gen = version
        self.tasks: dict[str, Task] = {}
        self.last_task_failure: dict[str, Any] | None = None
        self.delay: Delay | None = None
        self.queued = 0
        self.queued_since: float | None = None

    @property
    def definition(self) -> dict[str, Any]:
        return self._definition

    @definition.setter
    def definition(self, value: dict[str, Any]) -> None:
        self._definition = value
        self.definition_text = None

    @property
    def id(self) -> str:
        return self._definition["id"]

    def to_doc(self) -> dict[str, Any]:
        return {
            "definition": self.definition,
            "version": self.version,
            "lastScalingAt": self.last_scaling_at,
            "lastConfigChangeAt": self.last_config_change_at,
            "gen": self.gen,
            "lastTaskFailure": self.last_task_failure,
        }


@dataclass
class Deployment:
    """A deployment plan: steps of actions ``{"action": ..., "app": ...}``; ``current_step`` is 1-based."""

    id: str
    version: str
    affected_apps: list[str]
    steps: list[list[dict[str, str]]]
    current_step: int = 1
    # The definitions before the plan (None = the app did not exist), for the revert of a cancel.
    originals: dict[str, dict[str, Any] | None] = field(default_factory=dict)

    def to_doc(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "version": self.version,
            "affectedApps": self.affected_apps,
            "steps": self.steps,
            "currentStep": self.current_step,
            "originals": self.originals,
        }

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Deployment:
        return cls(doc["id"], doc["version"], doc["affectedApps"], doc["steps"], doc["currentStep"], doc["originals"])

    def current_actions(self) -> list[dict[str, str]]:
        if 1 <= self.current_step <= len(self.steps):
            return self.steps[self.current_step - 1]
        return []


class ServicePorts:
    """Cluster-wide unique service ports from 10000-20000, as Marathon assigns them."""

    def __init__(self) -> None:
        self._used: dict[int, str] = {}
        self._next = SERVICE_PORT_RANGE[0]

    def assign(self, definition: dict[str, Any], previous: dict[str, Any] | None = None) -> dict[str, Any]:
        """``definition`` with every 0 service port replaced (keeping ``previous``'s port at the same index)."""
        slots = service_port_slots(definition)
        if not any(p == 0 for p in slots):
            return definition
        kept = service_port_slots(previous) if previous else []
        ports = []
        for index, port in enumerate(slots):
            if port == 0 and index < len(kept) and kept[index]:
                port = kept[index]
            ports.append(port or self._take(set(slots)))
        return with_service_ports(definition, ports)

    def _take(self, avoid: set[int]) -> int:
        low, high = SERVICE_PORT_RANGE
        for _ in range(high - low + 1):
            candidate = self._next
            self._next = low if candidate >= high else candidate + 1
            if candidate not in self._used and candidate not in avoid:
                self._used[candidate] = ""
                return candidate
        raise RuntimeError("no free service port left in 10000-20000")

    def claim(self, app_id: str, definition: dict[str, Any]) -> None:
        for port in service_port_slots(definition):
            if port:
                self._used[port] = app_id

    def release(self, app_id: str) -> None:
        for port in [p for p, owner in self._used.items() if owner == app_id]:
            del self._used[port]


class MarathonState:
    """All apps, versions, tasks, deployments; the write-through side of the Store."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.apps: dict[str, App] = {}
        self.versions: dict[str, dict[str, dict[str, Any]]] = {}
        self.deployments: dict[str, Deployment] = {}
        # Apps deleted while their tasks are still being killed.
        self.stopping: dict[str, App] = {}
        self.service_ports = ServicePorts()
        self.clock = VersionClock()

    # -- persistence -------------------------------------------------------------------------
    def save_app(self, app: App) -> None:
        self.store.put(APP_KIND, app.id, app.to_doc())

    def save_version(self, app_id: str, definition: dict[str, Any]) -> None:
        versions = self.versions.setdefault(app_id, {})
        versions[definition["version"]] = definition
        self.store.put(VERSION_KIND, f"{app_id} {definition['version']}", definition)
        while len(versions) > MAX_VERSIONS:
            oldest = min(versions)
            del versions[oldest]
            self.store.delete(VERSION_KIND, f"{app_id} {oldest}")

    def save_task(self, task: Task) -> None:
        self.store.put(TASK_KIND, task.id, task.to_doc())

    def delete_task_doc(self, task_id: str) -> None:
        self.store.delete(TASK_KIND, task_id)

    def save_deployment(self, deployment: Deployment) -> None:
        self.store.put(DEPLOYMENT_KIND, deployment.id, deployment.to_doc())

    def remove_deployment(self, deployment_id: str) -> Deployment | None:
        deployment = self.deployments.pop(deployment_id, None)
        self.store.delete(DEPLOYMENT_KIND, deployment_id)
        return deployment

    def save_delay(self, app: App) -> None:
        if app.delay is None:
            self.store.delete(DELAY_KIND, app.id)
        else:
            self.store.put(DELAY_KIND, app.id, {"seconds": app.delay.seconds, "reference": app.delay.reference})

    def remove_app(self, app_id: str) -> App | None:
        app = self.apps.pop(app_id, None)
        self.store.delete(APP_KIND, app_id)
        self.store.delete(DELAY_KIND, app_id)
        for version in self.versions.pop(app_id, {}):
            self.store.delete(VERSION_KIND, f"{app_id} {version}")
        self.service_ports.release(app_id)
        return app

    def load(self) -> list[tuple[Task, dict[str, Any]]]:
        """Read everything back after a restart; returns the task records with their documents."""
        for key, definition in self.store.list(VERSION_KIND):
            app_id = key.rsplit(" ", 1)[0]
            self.versions.setdefault(app_id, {})[definition["version"]] = definition
        for app_id, doc in self.store.list(APP_KIND):
            app = App(doc["definition"], doc["version"])
            app.last_scaling_at = doc["lastScalingAt"]
            app.last_config_change_at = doc["lastConfigChangeAt"]
            app.gen = doc["gen"]
            app.last_task_failure = doc.get("lastTaskFailure")
            self.apps[app_id] = app
            self.service_ports.claim(app_id, app.definition)
        for app_id, doc in self.store.list(DELAY_KIND):
            if app_id in self.apps:
                self.apps[app_id].delay = Delay(doc["seconds"], doc["reference"])
        for _, doc in self.store.list(DEPLOYMENT_KIND):
            deployment = Deployment.from_doc(doc)
            self.deployments[deployment.id] = deployment
        return self._load_tasks()

    def _load_tasks(self) -> list[tuple[Task, dict[str, Any]]]:
        loaded = []
        for task_id, doc in self.store.list(TASK_KIND):
            app_id = doc["appId"]
            definition = self.versions.get(app_id, {}).get(doc["version"])
            app = self.apps.get(app_id)
            if definition is None:
                definition = app.definition if app else None
            if definition is None:
                self.store.delete(TASK_KIND, task_id)
                continue
            task = Task(task_id, app_id, doc["version"], doc["gen"], doc["ports"], definition)
            task.staged_at = doc["stagedAt"]
            task.started_at = doc["startedAt"]
            task.state = doc["state"]
            task.killing = doc.get("killing", False)
            task.killing_at = doc.get("killingAt")
            owner = app if app is not None else self.stopping.setdefault(app_id, App(definition, doc["version"]))
            owner.tasks[task_id] = task
            loaded.append((task, doc))
        return loaded

    # -- queries -----------------------------------------------------------------------------
    def deployments_of(self, app_id: str) -> list[Deployment]:
        return [d for d in self.deployments.values() if app_id in d.affected_apps]
