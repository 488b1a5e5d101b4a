"""The deployment-creating operations of the Marathon API: create, update, scale, restart, delete, kill.

Each builds a deployment plan as Marathon 1.4 does (StopApplication / StartApplication, then
ScaleApplication or RestartApplication), refuses with 409 when an affected app is locked by a running
deployment (``force`` cancels those instead), applies the new definitions and leaves the convergence
to the engine.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from paasta_tools.devcluster.marathon.errors import MarathonApiError, app_not_found, invalid_json, locked, not_found
from paasta_tools.devcluster.marathon.events import EventBus
from paasta_tools.devcluster.marathon.ids import validate_path_id
from paasta_tools.devcluster.marathon.model import is_scale_only, merge_update, normalize_app
from paasta_tools.devcluster.marathon.state import Action, App, Deployment, MarathonState, Task
from paasta_tools.devcluster.marathon.views import plan_json, step_json


@dataclass(frozen=True)
class Change:
    """One app's part of a plan: ``old``/``new`` definitions (None = absent) and the action it needs."""

    app_id: str
    old: dict[str, Any] | None
    new: dict[str, Any] | None
    action: Action | None  # None: nothing changed


def classify(old: dict[str, Any] | None, new: dict[str, Any] | None) -> Action | None:
    """The deployment action Marathon derives from an app's old and new definition."""
    if new is None:
        return Action.STOP
    if old is None:
        return Action.START
    if not is_scale_only(old, new):
        return Action.RESTART
    if old["instances"] != new["instances"]:
        return Action.SCALE
    return None


def _levels(changes: list[Change]) -> dict[str, int]:
    """Longest dependency path of each changed app (within the plan); apps of one level run in one step."""
    deps = {c.app_id: [d for d in (c.new or {}).get("dependencies", [])] for c in changes}
    levels: dict[str, int] = {}

    def level(app_id: str, seen: frozenset[str]) -> int:
        if app_id not in levels:
            below = [level(d, seen | {app_id}) for d in deps.get(app_id, []) if d in deps and d not in seen]
            levels[app_id] = 1 + max(below) if below else 0
        return levels[app_id]

    for app_id in deps:
        level(app_id, frozenset())
    return levels


def plan_steps(changes: list[Change]) -> list[list[dict[str, str]]]:
    """Steps of a plan: stops, then starts (scale 0), then scales and restarts in dependency order."""
    stops = [{"action": Action.STOP, "app": c.app_id} for c in changes if c.action == Action.STOP]
    starts = [{"action": Action.START, "app": c.app_id} for c in changes if c.action == Action.START]
    levels = _levels(changes)
    ordered: dict[int, list[dict[str, str]]] = {}
    for change in changes:
        if change.action in (Action.START, Action.SCALE):
            action = Action.SCALE
        elif change.action == Action.RESTART:
            action = Action.RESTART
        else:
            continue
        ordered.setdefault(levels[change.app_id], []).append({"action": action, "app": change.app_id})
    return [step for step in (stops, starts, *(ordered[k] for k in sorted(ordered))) if step]


class Operations:
    """Apply API mutations to the state; ``kill`` asks the engine to kill one task."""

    def __init__(self, state: MarathonState, events: EventBus, kill: Callable[[Task], None]) -> None:
        self.state = state
        self.events = events
        self.kill = kill

    # -- plans ------------------------------------------------------------------------------
    def _check_locks(self, app_ids: list[str], force: bool) -> None:
        blocking = {d.id: d for app_id in app_ids for d in self.state.deployments_of(app_id)}
        if not blocking:
            return
        if not force:
            raise locked(sorted(blocking))
        for deployment_id in blocking:
            self.state.remove_deployment(deployment_id)

    def _deploy(self, changes: list[Change], version: str) -> Deployment:
        steps = plan_steps(changes)
        deployment = Deployment(
            id=str(uuid.uuid4()),
            version=version,
            affected_apps=sorted({c.app_id for c in changes if c.action}),
            steps=steps,
            originals={c.app_id: c.old for c in changes if c.action},
        )
        if steps:
            self.state.deployments[deployment.id] = deployment
            self.state.save_deployment(deployment)
            self.events.publish(
                "deployment_info", {"plan": plan_json(deployment, self.state), "currentStep": step_json(steps[0])}
            )
        return deployment

    def _apply(self, change: Change, version: str) -> None:
        """Make ``change.new`` the app's definition (or remove the app)."""
        state = self.state
        if change.new is None:
            app = state.remove_app(change.app_id)
            self.events.publish("app_terminated_event", {"appId": change.app_id})
            if app is not None:
                app.definition = {**app.definition, "instances": 0}
                earlier = state.stopping.get(app.id)
                if earlier is not None:  # an app of the same id deleted before still has tasks
                    app.tasks.update(earlier.tasks)
                state.stopping[app.id] = app
                for task in app.tasks.values():
                    self.kill(task)
            return
        definition = dict(state.service_ports.assign(change.new, change.old))
        state.service_ports.release(change.app_id)
        state.service_ports.claim(change.app_id, definition)
        definition["version"] = version
        app = state.apps.get(change.app_id)
        if app is None:
            app = state.apps[change.app_id] = App(definition, version)
        else:
            app.definition = definition
            app.version = version
            app.last_scaling_at = version
            if change.action == Action.RESTART:
                app.gen = version
                app.delay = None
                state.save_delay(app)
                if not is_scale_only(change.old or {}, change.new):
                    app.last_config_change_at = version
        state.save_app(app)
        state.save_version(app.id, definition)

    def submit(self, changes: list[Change], force: bool) -> Deployment:
        """Lock-check, apply and record one plan for ``changes``."""
        self._check_locks([c.app_id for c in changes if c.action], force)
        version = self.state.clock.next()
        with self.state.store.transaction():
            for change in changes:
                if change.action is not None:
                    self._apply(change, version)
            return self._deploy(changes, version)

    # -- app operations ---------------------------------------------------------------------
    def app(self, app_id: str) -> App:
        app = self.state.apps.get(app_id)
        if app is None:
            raise app_not_found(app_id)
        return app

    def create_app(self, body: Any, force: bool) -> tuple[App, Deployment]:
        """POST /v2/apps: a new app (409 when the id exists) with Start and Scale steps."""
        definition = normalize_app(body)
        app_id = definition["id"]
        if app_id in self.state.apps:
            raise MarathonApiError(409, {"message": f"An app with id [{app_id}] already exists."})
        deployment = self.submit([Change(app_id, None, definition, Action.START)], force)
        self.events.publish(
            "api_post_event", {"clientIp": None, "uri": f"/v2/apps{app_id}", "appDefinition": definition}
        )
        return self.state.apps[app_id], deployment

    def update_change(self, app_id: str, body: Any, partial: bool, create: bool) -> Change:
        """The Change of a PUT/PATCH body (a rollback when the body is only ``{"version": ...}``)."""
        app = self.state.apps.get(app_id)
        if isinstance(body, dict) and set(body) == {"version"} and body["version"] is not None:
            if app is None:
                raise app_not_found(app_id)
            target = self.state.versions.get(app_id, {}).get(body["version"])
            if target is None:
                raise app_not_found(app_id, body["version"])
            new = {k: v for k, v in target.items()}
            return Change(app_id, app.definition, new, classify(app.definition, new))
        if app is None:
            if not create:
                raise app_not_found(app_id)
            new = normalize_app(body, app_id)
            return Change(app_id, None, new, Action.START)
        raw = merge_update(app.definition, body) if partial and isinstance(body, dict) else body
        new = normalize_app(raw, app_id)
        return Change(app_id, app.definition, new, classify(app.definition, new))

    def update_app(
        self, app_id: str, body: Any, force: bool, partial: bool, create: bool = True
    ) -> tuple[bool, Deployment]:
        """PUT/PATCH of one app; returns (created, deployment)."""
        change = self.update_change(app_id, body, partial, create)
        deployment = self.submit([change], force)
        self.events.publish(
            "api_post_event", {"clientIp": None, "uri": f"/v2/apps{app_id}", "appDefinition": change.new}
        )
        return change.old is None, deployment

    def update_apps(self, bodies: list[Any], force: bool, partial: bool, create: bool) -> Deployment:
        """PUT/PATCH /v2/apps: one plan for several apps (each body names its id)."""
        changes = []
        for index, body in enumerate(bodies):
            raw_id = body.get("id") if isinstance(body, dict) else None
            if raw_id is None:
                raise invalid_json([{"path": f"({index})/id", "errors": ["error.path.missing"]}])
            app_id = validate_path_id(raw_id, f"({index})/id")
            changes.append(self.update_change(app_id, body, partial, create))
        return self.submit(changes, force)

    def delete_app(self, app_id: str, force: bool) -> Deployment:
        """Remove the app at once; a StopApplication step kills its tasks."""
        app = self.app(app_id)
        return self.submit([Change(app_id, app.definition, None, Action.STOP)], force)

    def restart_app(self, app_id: str, force: bool) -> Deployment:
        """A new version with the same config: RestartApplication replaces every task."""
        app = self.app(app_id)
        new = dict(app.definition)
        return self.submit([Change(app_id, app.definition, new, Action.RESTART)], force)

    def scale_down_killing(self, kills: dict[str, list[Task]], force: bool) -> Deployment:
        """Kill exactly ``kills`` (per app) in one deployment lowering each app's instances by that many."""
        changes = []
        for app_id, tasks in kills.items():
            app = self.app(app_id)
            new = {**app.definition, "instances": max(0, app.definition["instances"] - len(tasks))}
            changes.append(Change(app_id, app.definition, new, Action.SCALE))
        deployment = self.submit(changes, force)
        for tasks in kills.values():
            for task in tasks:
                self.kill(task)
        return deployment

    def cancel_deployment(self, deployment_id: str, force: bool) -> Deployment | None:
        """Force: drop the plan (effects stay), returns None. Otherwise start the forced revert plan."""
        deployment = self.state.deployments.get(deployment_id)
        if deployment is None:
            raise not_found(f"DeploymentPlan {deployment_id} does not exist")
        self.state.remove_deployment(deployment_id)
        self.events.publish("deployment_failed", {"id": deployment_id, "plan": plan_json(deployment, self.state)})
        if force:
            return None
        changes = []
        for app_id, original in deployment.originals.items():
            current = self.state.apps.get(app_id)
            old = current.definition if current else None
            new = dict(original) if original is not None else None
            if old is None and new is None:
                continue
            changes.append(Change(app_id, old, new, classify(old, new)))
        return self.submit(changes, force=True)
