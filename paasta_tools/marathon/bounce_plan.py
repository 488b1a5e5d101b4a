"""One run of setup_marathon_job as pure planning (§4.6 steps 6-7).

The caller fetches the instance's apps (tasks embedded), decides which tasks are happy (§5.2) and
asks the drain method which are draining; then:

1. :func:`plan_deploy` classifies every task (happy / unhappy / draining / at risk), decides the
   new app's scaling and its surplus tasks, runs the bounce method and returns a :class:`DeployPlan`:
   scale the new app?, stop draining which of its tasks?, create it?, drain which tasks?
2. the caller creates the app, drains ``plan.tasks_to_drain`` and learns which are safe to kill;
3. :func:`plan_cleanup` picks the tasks to kill and the old apps left empty to delete.

The log lines are upstream's, built here so every run says the same thing.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from paasta_tools.marathon.bounce_methods import get_bounce_method_func
from paasta_tools.marathon.tasks import MarathonAppState, MarathonTask

TaskSets = Mapping[str, frozenset[MarathonTask]]


class TaskClass(enum.Enum):
    """Where a task stands in a bounce; the order is the order surplus tasks are picked in."""

    DRAINING = "draining"
    UNHAPPY = "unhappy"
    AT_RISK = "at_risk"
    HAPPY = "happy"


@dataclass(frozen=True)
class TaskFacts:
    """What the caller learnt about the tasks: happy ids (§5.2), draining ids, failed is_draining ids,
    and the hosts Mesos maintenance is draining (their happy tasks are "at risk")."""

    happy_ids: frozenset[str] = frozenset()
    draining_ids: frozenset[str] = frozenset()
    drain_error_ids: frozenset[str] = frozenset()
    draining_hosts: frozenset[str] = frozenset()


def classify_task(task: MarathonTask, facts: TaskFacts) -> TaskClass:
    """draining if the drain method says so; else at risk/happy if happy; else unhappy.

    A task whose ``is_draining`` failed counts as unhappy.
    """
    if task.id in facts.drain_error_ids:
        return TaskClass.UNHAPPY
    if task.id in facts.draining_ids:
        return TaskClass.DRAINING
    if task.id in facts.happy_ids:
        return TaskClass.AT_RISK if task.host in facts.draining_hosts else TaskClass.HAPPY
    return TaskClass.UNHAPPY


def classify_app(app: MarathonAppState, facts: TaskFacts) -> dict[TaskClass, list[MarathonTask]]:
    """The app's tasks by class, each list sorted by task id."""
    classes: dict[TaskClass, list[MarathonTask]] = {c: [] for c in TaskClass}
    for task in sorted(app.tasks, key=lambda t: t.id):
        classes[classify_task(task, facts)].append(task)
    return classes


@dataclass(frozen=True)
class OldTasks:
    """Tasks to bounce away, per app id, in the four classes.

    Every old app has a key in each mapping (possibly with no tasks); the new app appears only
    when it has surplus tasks to shed.
    """

    happy: TaskSets = field(default_factory=dict)
    unhappy: TaskSets = field(default_factory=dict)
    draining: TaskSets = field(default_factory=dict)
    at_risk: TaskSets = field(default_factory=dict)

    def app_ids(self) -> list[str]:
        return list(self.happy)

    def of_app(self, app_id: str) -> frozenset[MarathonTask]:
        return self.happy[app_id] | self.unhappy[app_id] | self.draining[app_id] | self.at_risk[app_id]

    def all_tasks(self) -> frozenset[MarathonTask]:
        return frozenset().union(*(self.of_app(app_id) for app_id in self.app_ids()))


def _flat(task_sets: TaskSets) -> frozenset[MarathonTask]:
    return frozenset().union(*task_sets.values()) if task_sets else frozenset()


@dataclass(frozen=True)
class NewAppDecision:
    """The new app's part of a run: scaling, surplus tasks filed as "old", its happy tasks, undrains."""

    scale_to: int | None
    surplus: dict[TaskClass, list[MarathonTask]]
    happy_new_tasks: list[MarathonTask]
    undrain: list[MarathonTask]


def select_surplus(classes: Mapping[TaskClass, list[MarathonTask]], count: int) -> dict[TaskClass, list[MarathonTask]]:
    """``count`` tasks to shed, taken draining first, then unhappy, at risk and happy last."""
    surplus: dict[TaskClass, list[MarathonTask]] = {}
    for task_class in TaskClass:
        taken = list(classes.get(task_class, []))[: max(count, 0)]
        surplus[task_class] = taken
        count -= len(taken)
    return surplus


def decide_new_app(new_app: MarathonAppState | None, desired: int, facts: TaskFacts) -> NewAppDecision:
    """Scale the new app up to ``desired`` + its at-risk tasks, or pick its surplus tasks to drain.

    When Marathon still has to launch some of a too-big app's instances, the app is also scaled
    down by that slack so no task is launched only to be drained again.
    """
    if new_app is None:
        return NewAppDecision(None, {}, [], [])
    classes = classify_app(new_app, facts)
    at_risk_count = len(classes[TaskClass.AT_RISK])
    happy = classes[TaskClass.HAPPY] + classes[TaskClass.AT_RISK]
    scale_to = None
    surplus: dict[TaskClass, list[MarathonTask]] = {}
    if new_app.instances < desired + at_risk_count:
        scale_to = desired + at_risk_count
    elif new_app.instances > desired:
        surplus = select_surplus(classes, min(len(new_app.tasks), new_app.instances) - desired)
        chosen_happy = set(surplus[TaskClass.HAPPY])
        happy = [t for t in classes[TaskClass.HAPPY] if t not in chosen_happy]
        slack = max(new_app.instances - len(new_app.tasks), 0)
        # never below desired + at risk: an at-risk task's replacement may be the one still to launch
        target = max(new_app.instances - slack, desired + at_risk_count)
        if slack and target < new_app.instances:
            scale_to = target
    leave_draining = set(surplus.get(TaskClass.DRAINING, []))
    undrain = [t for t in sorted(new_app.tasks, key=lambda t: t.id) if t not in leave_draining]
    return NewAppDecision(scale_to, surplus, happy, undrain)


def collect_old_tasks(
    old_apps: Iterable[MarathonAppState],
    facts: TaskFacts,
    new_app_id: str,
    surplus: Mapping[TaskClass, list[MarathonTask]],
) -> OldTasks:
    """Every old app's tasks by class, plus the new app's surplus (if any) under the new app's id."""
    happy: dict[str, frozenset[MarathonTask]] = {}
    unhappy: dict[str, frozenset[MarathonTask]] = {}
    draining: dict[str, frozenset[MarathonTask]] = {}
    at_risk: dict[str, frozenset[MarathonTask]] = {}
    entries = [(app.id, classify_app(app, facts)) for app in sorted(old_apps, key=lambda a: a.id)]
    if surplus and any(surplus.values()):
        entries.append((new_app_id, surplus))
    for app_id, classes in entries:
        happy[app_id] = frozenset(classes.get(TaskClass.HAPPY, ()))
        unhappy[app_id] = frozenset(classes.get(TaskClass.UNHAPPY, ()))
        draining[app_id] = frozenset(classes.get(TaskClass.DRAINING, ()))
        at_risk[app_id] = frozenset(classes.get(TaskClass.AT_RISK, ()))
    return OldTasks(happy, unhappy, draining, at_risk)


@dataclass(frozen=True)
class DeployPlan:
    """What one run does before draining; see the module docstring."""

    bounce_method: str
    service_instance: str
    new_app_id: str
    new_app_running: bool
    desired_instances: int
    scale_new_app_to: int | None
    undrain: tuple[MarathonTask, ...]
    create_app: bool
    tasks_to_drain: tuple[MarathonTask, ...]
    old: OldTasks
    happy_new_tasks: tuple[MarathonTask, ...]

    @property
    def steady_state(self) -> bool:
        """Nothing to bounce: the new app runs and no other app (or surplus) is left."""
        return self.new_app_running and not self.old.app_ids()

    def progress_line(self) -> str | None:
        """Upstream's "bounce in progress" event line; None in a steady state."""
        if self.steady_state:
            return None
        state = "exists" if self.new_app_running else "not created yet"
        return " ".join(
            [
                f"{self.bounce_method} bounce in progress on {self.service_instance}.",
                f"New marathon app {self.new_app_id} {state}.",
                f"{self.desired_instances - len(self.happy_new_tasks)} new tasks to bring up.",
                f"{len(_flat(self.old.happy))} old tasks receiving traffic and happy.",
                f"{len(_flat(self.old.unhappy))} old tasks unhappy.",
                f"{len(_flat(self.old.draining))} old tasks draining.",
                f"{len(_flat(self.old.at_risk))} old tasks at risk.",
                f"{len(self.old.app_ids())} old apps.",
            ]
        )

    def create_line(self) -> str:
        return f"{self.bounce_method} bounce creating new app with app_id {self.new_app_id}"

    def drain_lines(self) -> list[str]:
        """One "draining N old tasks with app_id X" line per app of the bounce-chosen tasks."""
        chosen = set(self.tasks_to_drain) - _flat(self.old.draining) - _flat(self.old.at_risk)
        by_app: dict[str, int] = {}
        for task in chosen:
            by_app[task.app_id] = by_app.get(task.app_id, 0) + 1
        return [
            f"{self.bounce_method} bounce draining {count} old tasks with app_id {app_id}"
            for app_id, count in sorted(by_app.items())
        ]


def _sorted_tasks(tasks: Iterable[MarathonTask]) -> tuple[MarathonTask, ...]:
    return tuple(sorted(set(tasks), key=lambda t: t.id))


def plan_deploy(
    service_instance: str,
    app_config: Mapping,
    apps: Collection[MarathonAppState],
    facts: TaskFacts,
    bounce_method: str,
    margin_factor: float = 1.0,
) -> DeployPlan:
    """Plan one run for the instance whose desired app is ``app_config`` (``id``, ``instances``).

    ``apps`` are the instance's matching apps as Marathon lists them (ids with a leading ``/``).
    Raises InvalidBounceMethodError for an unknown bounce method or margin factor.
    """
    bounce_func = get_bounce_method_func(bounce_method)
    new_app_id = "/" + str(app_config["id"]).lstrip("/")
    desired = int(app_config["instances"])
    new_app = next((app for app in apps if app.id == new_app_id), None)
    decision = decide_new_app(new_app, desired, facts)
    old_apps = [app for app in apps if app.id != new_app_id]
    old = collect_old_tasks(old_apps, facts, new_app_id, decision.surplus)
    result = bounce_func(
        new_config={"instances": desired},
        new_app_running=new_app is not None,
        happy_new_tasks=decision.happy_new_tasks,
        old_app_live_happy_tasks=old.happy,
        old_app_live_unhappy_tasks=old.unhappy,
        margin_factor=margin_factor,
    )
    to_drain = set(result.tasks_to_drain) | _flat(old.draining) | _flat(old.at_risk)
    return DeployPlan(
        bounce_method=bounce_method,
        service_instance=service_instance,
        new_app_id=new_app_id,
        new_app_running=new_app is not None,
        desired_instances=desired,
        scale_new_app_to=decision.scale_to,
        undrain=tuple(decision.undrain),
        create_app=result.create_app and new_app is None,
        tasks_to_drain=_sorted_tasks(to_drain),
        old=old,
        happy_new_tasks=tuple(decision.happy_new_tasks),
    )


@dataclass(frozen=True)
class CleanupPlan:
    """Tasks to kill (with scale) and emptied old apps to delete, after draining."""

    kill_task_ids: tuple[str, ...]
    apps_to_delete: tuple[str, ...]
    lines: tuple[str, ...]
    finished: bool


def plan_cleanup(plan: DeployPlan, killable: Collection[MarathonTask]) -> CleanupPlan:
    """Kill the drained tasks that are safe to kill; delete old apps with no task left.

    ``finished`` (and the "finishing" event line) when everything old goes in this run.
    """
    to_kill = frozenset(killable)
    apps_to_delete = tuple(
        app_id for app_id in plan.old.app_ids() if app_id != plan.new_app_id and not plan.old.of_app(app_id) - to_kill
    )
    lines = [f"{plan.bounce_method} bounce killing drained task {task.id}" for task in _sorted_tasks(to_kill)]
    if apps_to_delete:
        lines.append(f"{plan.bounce_method} bounce removing old unused apps with app_ids: {', '.join(apps_to_delete)}")
    finished = (
        bool(apps_to_delete or to_kill)
        and list(apps_to_delete) == plan.old.app_ids()
        and to_kill == plan.old.all_tasks()
    )
    if finished:
        lines.append(f"{plan.bounce_method} bounce on {plan.service_instance} finishing. Now running {plan.new_app_id}")
    return CleanupPlan(tuple(t.id for t in _sorted_tasks(to_kill)), apps_to_delete, tuple(lines), finished)


def draining_hosts_from_status(maintenance_status: Mapping[str, Any]) -> frozenset[str]:
    """Host names of Mesos ``/master/maintenance/status`` ``draining_machines`` (their tasks are "at risk")."""
    hosts = set()
    for machine in maintenance_status.get("draining_machines") or ():
        hostname = (machine.get("id") or {}).get("hostname") if isinstance(machine, Mapping) else None
        if hostname:
            hosts.add(str(hostname))
    return frozenset(hosts)


def instance_needs_work(
    desired_app_id: str,
    desired_instances: int,
    apps: Collection[MarathonAppState],
    draining_ids: Collection[str] = (),
    draining_hosts: Collection[str] = (),
) -> bool:
    """Whether a run of setup_marathon_job could change anything for this instance.

    True when the desired app is missing, another app of the instance exists, the desired app's
    instance count differs, a task is draining, or a task runs on a host being drained.
    """
    new_app_id = "/" + desired_app_id.lstrip("/")
    new_app = next((app for app in apps if app.id == new_app_id), None)
    if new_app is None or len(apps) > 1 or new_app.instances != desired_instances:
        return True
    tasks = new_app.tasks
    return any(t.id in draining_ids for t in tasks) or any(t.host in draining_hosts for t in tasks)


def _short_id(app_id: str) -> str | None:
    parts = app_id.lstrip("/").split(".")
    return ".".join(parts[:2]) if len(parts) >= 2 else None


def instances_needing_bounce(
    desired: Mapping[str, int], apps: Collection[MarathonAppState], draining_hosts: Collection[str] = ()
) -> list[str]:
    """``service.instance`` names (``_`` restored) whose apps differ from ``desired`` ({app id: instances}).

    An app id only on one side, a running app with another instance count, or a task on a host
    being drained: the instance needs a bounce (list_marathon_service_instances --minimal).
    """
    wanted = {app_id.lstrip("/"): count for app_id, count in desired.items()}
    running = {app.id.lstrip("/"): app for app in apps}
    names = {_short_id(app_id) for app_id in set(wanted) ^ set(running)}
    for app_id, app in running.items():
        if app_id in wanted and (app.instances != wanted[app_id] or any(t.host in draining_hosts for t in app.tasks)):
            names.add(_short_id(app_id))
    return sorted(name.replace("--", "_") for name in names if name is not None)
