"""Bounce methods: pure decisions from (new app state, old tasks) to a BouncePlan.

Every method takes the same inputs (§5.1):

* ``new_config``: the new app dict (only ``instances`` is read);
* ``new_app_running``: whether the new app already exists in Marathon;
* ``happy_new_tasks``: the new app's happy tasks;
* ``old_app_live_happy_tasks`` / ``old_app_live_unhappy_tasks``: ``{old app id: tasks}``;
* ``margin_factor``: crossover's bounce_margin_factor (0 < f <= 1).

and returns whether to create the new app and which old tasks to drain.
Draining and at-risk tasks are handled by the caller (always drained).
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Collection, Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from paasta_tools.errors import InvalidBounceMethodError

TasksByApp = Mapping[str, Collection[Hashable]]


@dataclass(frozen=True)
class BouncePlan:
    """Create the new app? Which old tasks to drain now?"""

    create_app: bool
    tasks_to_drain: frozenset[Hashable]


class BounceMethod(enum.Enum):
    BRUTAL = "brutal"
    UPTHENDOWN = "upthendown"
    CROSSOVER = "crossover"
    DOWNTHENUP = "downthenup"
    DOWN = "down"


def _task_key(task: Hashable) -> str:
    return str(getattr(task, "id", task))


def _flatten(tasks_by_app: TasksByApp) -> list[Hashable]:
    """All tasks, app by app (sorted app ids), each app's tasks in a stable order."""
    flat: list[Hashable] = []
    for app_id in sorted(tasks_by_app):
        flat.extend(sorted(tasks_by_app[app_id], key=_task_key))
    return flat


def _all_old(happy: TasksByApp, unhappy: TasksByApp) -> frozenset[Hashable]:
    return frozenset(_flatten(happy)) | frozenset(_flatten(unhappy))


def brutal_bounce(
    new_config: Mapping[str, Any],
    new_app_running: bool,
    happy_new_tasks: Collection[Hashable],
    old_app_live_happy_tasks: TasksByApp,
    old_app_live_unhappy_tasks: TasksByApp,
    margin_factor: float = 1.0,
) -> BouncePlan:
    """Create the new app if missing and drain every old task at once."""
    return BouncePlan(
        create_app=not new_app_running,
        tasks_to_drain=_all_old(old_app_live_happy_tasks, old_app_live_unhappy_tasks),
    )


def upthendown_bounce(
    new_config: Mapping[str, Any],
    new_app_running: bool,
    happy_new_tasks: Collection[Hashable],
    old_app_live_happy_tasks: TasksByApp,
    old_app_live_unhappy_tasks: TasksByApp,
    margin_factor: float = 1.0,
) -> BouncePlan:
    """Drain all old tasks only once the new app has exactly ``instances`` happy tasks."""
    if new_app_running and len(happy_new_tasks) == new_config["instances"]:
        return BouncePlan(False, _all_old(old_app_live_happy_tasks, old_app_live_unhappy_tasks))
    return BouncePlan(create_app=not new_app_running, tasks_to_drain=frozenset())


def crossover_bounce(
    new_config: Mapping[str, Any],
    new_app_running: bool,
    happy_new_tasks: Collection[Hashable],
    old_app_live_happy_tasks: TasksByApp,
    old_app_live_unhappy_tasks: TasksByApp,
    margin_factor: float = 1.0,
) -> BouncePlan:
    """Keep as many old tasks (happy first) as new happy tasks are still missing; drain the rest.

    ``needed = max(ceil(instances * margin_factor) - len(happy_new_tasks), 0)``.
    """
    if not 0 < margin_factor <= 1:
        raise InvalidBounceMethodError(f"bounce_margin_factor must be > 0 and <= 1, got {margin_factor!r}")
    needed = max(math.ceil(new_config["instances"] * margin_factor) - len(happy_new_tasks), 0)
    old_tasks = _flatten(old_app_live_happy_tasks) + _flatten(old_app_live_unhappy_tasks)
    return BouncePlan(create_app=not new_app_running, tasks_to_drain=frozenset(old_tasks[needed:]))


def downthenup_bounce(
    new_config: Mapping[str, Any],
    new_app_running: bool,
    happy_new_tasks: Collection[Hashable],
    old_app_live_happy_tasks: TasksByApp,
    old_app_live_unhappy_tasks: TasksByApp,
    margin_factor: float = 1.0,
) -> BouncePlan:
    """Drain every old task; create the new app only once no old app is left.

    Upstream tests the happy-tasks *dict* for emptiness: an old app listed
    with no happy tasks still blocks creation.
    """
    return BouncePlan(
        create_app=not old_app_live_happy_tasks and not new_app_running,
        tasks_to_drain=_all_old(old_app_live_happy_tasks, old_app_live_unhappy_tasks),
    )


def down_bounce(
    new_config: Mapping[str, Any],
    new_app_running: bool,
    happy_new_tasks: Collection[Hashable],
    old_app_live_happy_tasks: TasksByApp,
    old_app_live_unhappy_tasks: TasksByApp,
    margin_factor: float = 1.0,
) -> BouncePlan:
    """Never create; drain every old task (used to drain an app away entirely)."""
    return BouncePlan(
        create_app=False,
        tasks_to_drain=_all_old(old_app_live_happy_tasks, old_app_live_unhappy_tasks),
    )


BounceFunc = Callable[..., BouncePlan]

BOUNCE_METHODS: Mapping[BounceMethod, BounceFunc] = {
    BounceMethod.BRUTAL: brutal_bounce,
    BounceMethod.UPTHENDOWN: upthendown_bounce,
    BounceMethod.CROSSOVER: crossover_bounce,
    BounceMethod.DOWNTHENUP: downthenup_bounce,
    BounceMethod.DOWN: down_bounce,
}


def list_bounce_methods() -> list[str]:
    """The valid bounce_method names, sorted."""
    return sorted(m.value for m in BounceMethod)


def get_bounce_method_func(name: str) -> BounceFunc:
    """The bounce function for ``name``; an unknown name lists the valid ones."""
    try:
        return BOUNCE_METHODS[BounceMethod(name)]
    except ValueError:
        raise InvalidBounceMethodError(
            f"bounce_method not recognized: {name!r}. Must be one of ({', '.join(list_bounce_methods())})"
        ) from None


def bounce_in_steady_state(
    new_app_running: bool,
    happy_new_tasks: Iterable[Hashable],
    instances: int,
    old_app_tasks: TasksByApp,
) -> bool:
    """True when nothing is left to do: the new app runs all its instances happily and no old app remains."""
    return new_app_running and len(list(happy_new_tasks)) == instances and not old_app_tasks
