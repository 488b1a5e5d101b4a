"""Mesos 1.x master JSON documents (``/master/state``, ``/master/slaves``, ``/metrics/snapshot`` ...).

Pure: every function takes a ``MasterView`` (the master's identity, the single agent and the tasks
of each registered framework) and returns the JSON-ready dict the real master would serve.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

MESOS_VERSION = "1.1.0"
ACTIVE_STATES = ("TASK_STAGING", "TASK_STARTING", "TASK_RUNNING", "TASK_KILLING")
TERMINAL_STATES = ("TASK_FINISHED", "TASK_FAILED", "TASK_KILLED", "TASK_LOST", "TASK_ERROR")
SCALARS = ("disk", "mem", "gpus", "cpus")


@dataclass(frozen=True)
class AgentView:
    agent_id: str
    hostname: str
    cpus: float
    mem: float
    disk: float
    port_range: tuple[int, int]
    attributes: Mapping[str, str]


@dataclass(frozen=True)
class FrameworkView:
    framework_id: str
    name: str
    webui_url: str
    tasks: Sequence[Mapping[str, Any]]
    completed_tasks: Sequence[Mapping[str, Any]] = ()


@dataclass(frozen=True)
class MasterView:
    """Everything the master's JSON is computed from."""

    master_id: str
    cluster: str
    hostname: str
    port: int
    start_time: float
    now: float
    agent: AgentView
    frameworks: Sequence[FrameworkView] = field(default_factory=tuple)
    zookeeper: str = ""
    work_dir: str = ""
    # Dynamic reservations per role ({role: {scalar: value}}) and whether the agent's machine is DOWN.
    reserved: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    agent_down: bool = False


def _ports_ranges(ports: Iterable[int]) -> str:
    """Mesos' ranges text: sorted ports merged into ``[a-b, c-d]``."""
    ranges: list[list[int]] = []
    for port in sorted(set(ports)):
        if ranges and port == ranges[-1][1] + 1:
            ranges[-1][1] = port
        else:
            ranges.append([port, port])
    return "[" + ", ".join(f"{low}-{high}" for low, high in ranges) + "]"


def _parse_ports(text: Any) -> list[int]:
    ports: list[int] = []
    if not isinstance(text, str):
        return ports
    for chunk in text.strip("[] ").split(","):
        low, _, high = chunk.strip().partition("-")
        if low.strip().isdigit():
            ports.extend(range(int(low), int(high or low) + 1))
    return ports


def sum_resources(tasks: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Resources held by the active (non-terminal) tasks, in Mesos' ``used_resources`` shape."""
    totals: dict[str, Any] = {name: 0.0 for name in SCALARS}
    ports: list[int] = []
    for task in tasks:
        if task.get("state") not in ACTIVE_STATES:
            continue
        resources = task.get("resources") or {}
        for name in SCALARS:
            totals[name] += float(resources.get(name) or 0)
        ports.extend(_parse_ports(resources.get("ports")))
    if ports:
        totals["ports"] = _ports_ranges(ports)
    return totals


def _empty_resources() -> dict[str, float]:
    return {name: 0.0 for name in SCALARS}


def agent_resources(agent: AgentView) -> dict[str, Any]:
    low, high = agent.port_range
    return {"disk": agent.disk, "mem": agent.mem, "gpus": 0.0, "cpus": agent.cpus, "ports": f"[{low}-{high}]"}


def _role_resources(scalars: Mapping[str, float]) -> dict[str, float]:
    return {name: float(scalars.get(name, 0.0)) for name in SCALARS}


def _unreserved(agent: AgentView, reserved: Mapping[str, Mapping[str, float]]) -> dict[str, Any]:
    """The agent's resources minus every role's reservation."""
    resources = agent_resources(agent)
    for scalars in reserved.values():
        for name in SCALARS:
            resources[name] -= float(scalars.get(name, 0.0))
    return resources


def _all_tasks(view: MasterView) -> list[Mapping[str, Any]]:
    return [task for framework in view.frameworks for task in framework.tasks]


def slave_json(view: MasterView) -> dict[str, Any]:
    """The one agent, as listed in ``/master/slaves`` and ``/master/state``."""
    agent = view.agent
    return {
        "id": agent.agent_id,
        "pid": f"slave(1)@{agent.hostname}:{view.port}",
        "hostname": agent.hostname,
        "port": view.port,
        "registered_time": view.start_time,
        "resources": agent_resources(agent),
        "used_resources": sum_resources(_all_tasks(view)),
        "offered_resources": _empty_resources(),
        "reserved_resources": {role: _role_resources(scalars) for role, scalars in view.reserved.items()},
        "unreserved_resources": _unreserved(agent, view.reserved),
        "attributes": dict(agent.attributes),
        "active": not view.agent_down,
        "version": MESOS_VERSION,
        "capabilities": ["MULTI_ROLE"],
    }


def framework_json(view: MasterView, framework: FrameworkView) -> dict[str, Any]:
    used = sum_resources(framework.tasks)
    return {
        "id": framework.framework_id,
        "name": framework.name,
        "pid": f"scheduler-{framework.framework_id}@{view.hostname}:{view.port}",
        "used_resources": used,
        "offered_resources": _empty_resources(),
        "capabilities": [],
        "hostname": view.hostname,
        "webui_url": framework.webui_url,
        "active": True,
        "connected": True,
        "recovered": False,
        "user": "root",
        "failover_timeout": 604800.0,
        "checkpoint": True,
        "role": "*",
        "registered_time": view.start_time,
        "unregistered_time": 0,
        "resources": used,
        "tasks": [dict(task) for task in framework.tasks],
        "completed_tasks": [dict(task) for task in framework.completed_tasks],
        "offers": [],
        "executors": [],
    }


def _master_pid(view: MasterView) -> str:
    return f"master@{view.hostname}:{view.port}"


def state_json(view: MasterView) -> dict[str, Any]:
    """``/master/state`` (also served as ``/state.json`` and ``/master/state.json``)."""
    return {
        "version": MESOS_VERSION,
        "git_tag": MESOS_VERSION,
        "build_date": "2016-11-16 01:30:00",
        "build_time": 1479259800.0,
        "build_user": "root",
        "start_time": view.start_time,
        "elected_time": view.start_time,
        "id": view.master_id,
        "pid": _master_pid(view),
        "hostname": view.hostname,
        "activated_slaves": 0 if view.agent_down else 1,
        "deactivated_slaves": 1 if view.agent_down else 0,
        "cluster": view.cluster,
        "leader": _master_pid(view),
        "leader_info": {"id": view.master_id, "hostname": view.hostname, "port": view.port, "ip": 16777343},
        "flags": {
            "cluster": view.cluster,
            "hostname": view.hostname,
            "port": str(view.port),
            "quorum": "1",
            "work_dir": view.work_dir,
            "zk": view.zookeeper,
            "registry": "replicated_log",
            "version": "false",
        },
        "slaves": [slave_json(view)],
        "frameworks": [framework_json(view, framework) for framework in view.frameworks],
        "completed_frameworks": [],
        "orphan_tasks": [],
        "unregistered_frameworks": [],
    }


def slaves_json(view: MasterView) -> dict[str, Any]:
    return {"slaves": [slave_json(view)], "recovered_slaves": []}


def frameworks_json(view: MasterView) -> dict[str, Any]:
    return {
        "frameworks": [framework_json(view, framework) for framework in view.frameworks],
        "completed_frameworks": [],
        "unregistered_frameworks": [],
    }


def tasks_json(view: MasterView, limit: int = 100, offset: int = 0, order: str = "desc") -> dict[str, Any]:
    """``/master/tasks``: active then completed tasks, ordered by their first status time."""
    tasks = [dict(t) for f in view.frameworks for t in (*f.tasks, *f.completed_tasks)]

    def started(task: Mapping[str, Any]) -> float:
        statuses = task.get("statuses") or [{}]
        return float(statuses[0].get("timestamp") or 0)

    tasks.sort(key=started, reverse=order != "asc")
    return {"tasks": tasks[offset : offset + limit]}


def metrics_snapshot(view: MasterView) -> dict[str, float]:
    """``/metrics/snapshot``: the ``master/*`` gauges paasta_metastatus reads."""
    tasks = _all_tasks(view)
    completed = [task for framework in view.frameworks for task in framework.completed_tasks]
    used = sum_resources(tasks)
    agent = view.agent

    def count(state: str, source: Iterable[Mapping[str, Any]]) -> float:
        return float(sum(1 for task in source if task.get("state") == state))

    metrics = {
        "master/cpus_total": agent.cpus,
        "master/cpus_used": used["cpus"],
        "master/cpus_percent": used["cpus"] / agent.cpus if agent.cpus else 0.0,
        "master/mem_total": agent.mem,
        "master/mem_used": used["mem"],
        "master/mem_percent": used["mem"] / agent.mem if agent.mem else 0.0,
        "master/disk_total": agent.disk,
        "master/disk_used": used["disk"],
        "master/disk_percent": used["disk"] / agent.disk if agent.disk else 0.0,
        "master/gpus_total": 0.0,
        "master/gpus_used": 0.0,
        "master/elected": 1.0,
        "master/uptime_secs": max(view.now - view.start_time, 0.0),
        "master/slaves_active": 0.0 if view.agent_down else 1.0,
        "master/slaves_inactive": 1.0 if view.agent_down else 0.0,
        "master/slaves_connected": 1.0,
        "master/slaves_disconnected": 0.0,
        "master/frameworks_active": float(len(view.frameworks)),
        "master/frameworks_inactive": 0.0,
        "master/frameworks_connected": float(len(view.frameworks)),
        "master/frameworks_disconnected": 0.0,
        "registrar/log/recovered": 1.0,
    }
    for state in ACTIVE_STATES:
        metrics[f"master/tasks_{state[5:].lower()}"] = count(state, tasks)
    for state in TERMINAL_STATES:
        metrics[f"master/tasks_{state[5:].lower()}"] = count(state, completed) + count(state, tasks)
    return metrics
