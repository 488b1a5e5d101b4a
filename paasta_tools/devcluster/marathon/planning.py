"""Pure decisions of the Marathon engine: what to launch and kill for one app, when a deployment step is done.

``plan_app`` returns (number of tasks to launch, tasks to kill) from the app's definition and its
active tasks; the engine applies it.  Rolling replacement follows Marathon's TaskReplaceActor;
everything else is the scale check (launch missing, kill surplus per killSelection).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from paasta_tools.devcluster.marathon.model import min_healthy_and_max_capacity
from paasta_tools.devcluster.marathon.state import Action, App, Deployment, MarathonState, Task


def deploying_versions(app: App, state: MarathonState) -> frozenset[str]:
    """Versions of the running deployments whose current step starts, scales or restarts ``app`` (its
    new tasks carry that version); empty for apps without readiness checks, the only ones that need it."""
    if not app.definition.get("readinessChecks"):
        return frozenset()
    return frozenset(
        d.version
        for d in state.deployments.values()
        if any(a["app"] == app.id and a["action"] != Action.STOP for a in d.current_actions())
    )


def readiness_passed(task: Task) -> bool:
    """Every readiness check of the task has answered with a status for ready."""
    return bool(task.readiness) and all(r.ready for r in task.readiness or ())


def is_ready(task: Task, has_checks: bool, deploying: frozenset[str] = frozenset()) -> bool:
    """A task counts for a deployment once running, healthy (apps with health checks) and, when a
    deployment in ``deploying`` started it and its app has readiness checks, ready."""
    if task.state != "TASK_RUNNING" or task.killing:
        return False
    if has_checks and task.healthy is not True:
        return False
    if task.version in deploying and task.definition.get("readinessChecks"):
        return readiness_passed(task)
    return True


def kill_order(tasks: list[Task], kill_selection: str) -> list[Task]:
    """Tasks in the order Marathon kills them: not yet running first, then per killSelection."""
    youngest_first = kill_selection != "OLDEST_FIRST"
    return sorted(
        tasks,
        key=lambda t: (t.state == "TASK_RUNNING", -t.staged_at if youngest_first else t.staged_at),
    )


def plan_scale(app: App) -> tuple[int, list[Task]]:
    """The scale check: launch up to ``instances`` active tasks, kill the surplus."""
    alive = [t for t in app.tasks.values() if not t.killing]
    wanted = app.definition["instances"]
    if len(alive) < wanted:
        return wanted - len(alive), []
    surplus = len(alive) - wanted
    if not surplus:
        return 0, []
    return 0, kill_order(alive, app.definition["killSelection"])[:surplus]


def plan_replace(app: App, deploying: frozenset[str] = frozenset()) -> tuple[int, list[Task]]:
    """One rolling-restart round: kill old tasks above minimumHealthCapacity, launch within maximumOverCapacity."""
    definition = app.definition
    active = list(app.tasks.values())
    old = [t for t in active if t.gen != app.gen]
    new = [t for t in active if t.gen == app.gen]
    old_alive = [t for t in old if not t.killing]
    has_checks = bool(definition["healthChecks"])
    min_healthy, max_capacity = min_healthy_and_max_capacity(definition, len(active))
    ready_new = sum(1 for t in new if is_ready(t, has_checks, deploying))
    keep = max(0, min_healthy - ready_new)
    to_kill = kill_order(old_alive, definition["killSelection"])[: max(0, len(old_alive) - keep)]
    new_alive = [t for t in new if not t.killing]
    launch = max(0, min(definition["instances"] - len(new_alive), max_capacity - len(old) - len(new)))
    return launch, to_kill


def restarting(app: App, state: MarathonState) -> bool:
    """True while a RestartApplication of the app is a current action and old-generation tasks remain."""
    if all(t.gen == app.gen for t in app.tasks.values()):
        return False
    for deployment in state.deployments.values():
        for action in deployment.current_actions():
            if action["app"] == app.id and action["action"] == Action.RESTART:
                return True
    return False


def plan_app(app: App, state: MarathonState) -> tuple[int, list[Task]]:
    """(tasks to launch, tasks to kill) for one app this round."""
    return plan_replace(app, deploying_versions(app, state)) if restarting(app, state) else plan_scale(app)


def _settled(app: App, same_gen: bool, deploying: frozenset[str]) -> bool:
    tasks = list(app.tasks.values())
    if any(t.killing for t in tasks):
        return False
    if same_gen and any(t.gen != app.gen for t in tasks):
        return False
    has_checks = bool(app.definition["healthChecks"])
    return len(tasks) == app.definition["instances"] and all(is_ready(t, has_checks, deploying) for t in tasks)


def action_done(action: dict[str, str], state: MarathonState) -> bool:
    """Whether one deployment action has reached its target (a vanished app ends its actions)."""
    kind, app_id = action["action"], action["app"]
    if kind == Action.STOP:
        stopping = state.stopping.get(app_id)
        return stopping is None or not stopping.tasks
    app = state.apps.get(app_id)
    if app is None or kind == Action.START:
        return True
    return _settled(app, kind == Action.RESTART, deploying_versions(app, state))


def advance(deployment: Deployment, state: MarathonState) -> bool | None:
    """Move past finished steps: None = nothing changed, False = moved to a later step, True = plan finished."""
    moved = False
    while deployment.current_step <= len(deployment.steps):
        if not all(action_done(a, state) for a in deployment.current_actions()):
            return False if moved else None
        deployment.current_step += 1
        moved = True
    return True


def _constraint_allows(constraint: list[str], value: str | None, others: list[str]) -> bool:
    """One Marathon constraint against the agent's ``value`` of its field (``others``: values of running tasks)."""
    operator = constraint[1]
    argument = constraint[2] if len(constraint) > 2 else None
    if value is None:  # the agent lacks the attribute: only UNLIKE can hold
        return operator == "UNLIKE"
    if operator == "UNIQUE":
        return value not in others
    if operator == "CLUSTER":
        return value == argument if argument else all(v == value for v in others)
    if operator == "LIKE":
        return re.fullmatch(argument or "", value) is not None
    if operator == "UNLIKE":
        return re.fullmatch(argument or "", value) is None
    if operator == "MAX_PER":
        return others.count(value) < int(argument or 0)
    return True  # GROUP_BY: one agent is one group


def placement_allows(app: App, hostname: str, attributes: Mapping[str, str]) -> bool:
    """Whether one more task of ``app`` may go to the (single) agent: constraints and accepted roles."""
    roles = app.definition.get("acceptedResourceRoles")
    if roles and "*" not in roles:
        return False
    constraints = app.definition["constraints"]
    if not constraints:
        return True
    tasks = [t for t in app.tasks.values() if not t.killing]
    for constraint in constraints:
        field = constraint[0]
        value = hostname if field == "hostname" else attributes.get(field)
        if not _constraint_allows(constraint, value, [value] * len(tasks) if value is not None else []):
            return False
    return True
