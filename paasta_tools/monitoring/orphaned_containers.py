"""kill_orphaned_docker_containers' decision: which Mesos-named containers no task of the agent owns.

The Mesos docker containerizer names a task's container ``mesos-<agent id>.<container id>`` and the
agent's ``/slave(1)/state`` lists, per framework, its executors with their ``container`` id and their
live tasks.  A running ``mesos-`` container is orphaned when neither its ``MESOS_TASK_ID`` nor its
container id belongs to a live task of the agent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from paasta_tools.mesos_task_states import TERMINAL_STATES

NAME_PREFIX = "mesos-"
# Marathon sets MESOS_TASK_ID, Chronos mesos_task_id
TASK_ID_VARIABLES = ("MESOS_TASK_ID", "mesos_task_id")


@dataclass(frozen=True)
class MesosContainer:
    """A running container named like a Mesos task's, with the task id its environment names (if any)."""

    name: str
    task_id: str | None


@dataclass(frozen=True)
class AgentTasks:
    """What a Mesos agent runs: its id, the ids of its live tasks and the containers of their executors."""

    agent_id: str
    task_ids: frozenset[str]
    container_ids: frozenset[str]


def task_id_from_env(env: Mapping[str, str]) -> str | None:
    """The Mesos task id a container's environment names, or None."""
    for name in TASK_ID_VARIABLES:
        if env.get(name):
            return env[name]
    return None


def is_mesos_container_name(name: str) -> bool:
    """Whether ``name`` (with or without docker's leading ``/``) is a Mesos task container's."""
    return name.lstrip("/").startswith(NAME_PREFIX)


def split_container_name(name: str) -> tuple[str, str]:
    """``mesos-<agent id>.<container id>`` as (agent id, container id); "" for a part the name lacks."""
    agent_id, _, container_id = name.lstrip("/").removeprefix(NAME_PREFIX).partition(".")
    return agent_id, container_id


def _live_task_ids(executor: Mapping[str, Any]) -> set[str]:
    tasks = [*(executor.get("tasks") or ()), *(executor.get("queued_tasks") or ())]
    return {str(t.get("id")) for t in tasks if t.get("id") and t.get("state") not in TERMINAL_STATES}


def agent_tasks(agent_state: Mapping[str, Any]) -> AgentTasks:
    """The live tasks of an agent's ``/slave(1)/state`` document."""
    task_ids: set[str] = set()
    container_ids: set[str] = set()
    for framework in agent_state.get("frameworks") or ():
        for executor in framework.get("executors") or ():
            live = _live_task_ids(executor)
            task_ids |= live
            if live and executor.get("container"):
                container_ids.add(str(executor["container"]))
    return AgentTasks(str(agent_state.get("id") or ""), frozenset(task_ids), frozenset(container_ids))


def find_orphans(
    containers: Iterable[MesosContainer], agent: AgentTasks, only_this_agent: bool = False
) -> list[MesosContainer]:
    """The containers no live task of ``agent`` owns, in the given order.

    ``only_this_agent`` leaves out containers named after another agent id (other agents or
    devclusters sharing this Docker engine).
    """
    orphans = []
    for container in containers:
        agent_id, container_id = split_container_name(container.name)
        if only_this_agent and agent_id != agent.agent_id:
            continue
        if container.task_id in agent.task_ids or container_id in agent.container_ids:
            continue
        orphans.append(container)
    return orphans


def report(orphans: Sequence[MesosContainer], force: bool) -> str:
    """The check's one line: ``CRIT: ...`` naming each orphan and its task, or ``OK: ...``."""
    if not orphans:
        return "OK: All mesos task IDs accounted for"
    listed = ", ".join(f"{c.name.lstrip('/')} ({c.task_id})" for c in orphans)
    return f"CRIT: Docker containers are orphaned: {listed}{' and will be killed' if force else ''}"
