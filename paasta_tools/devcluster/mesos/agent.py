"""The agent's HTTP API, served on the master's port as the agent pid ``slave(1)@<host>:<port>`` says.

``/slave(1)/state`` lists each task's executor with its sandbox ``directory``; ``/monitor/statistics``
gives each task's measured memory and CPU use; ``/files/read``,
``/files/browse`` and ``/files/download`` serve the sandboxes (and nothing else), which is how
``paasta status -vv`` style tools tail a task's stdout/stderr.
"""

from __future__ import annotations

import asyncio
import os
import stat
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aiohttp import web

from paasta_tools.devcluster.cluster import Cluster
from paasta_tools.devcluster.executors.base import sandbox_path
from paasta_tools.devcluster.mesos import state as mesos_state

DEFAULT_READ_LENGTH = 16 * 4096  # Mesos reads 16 pages when no length is given


def _container_id(task_id: str, container_names: Mapping[str, str]) -> str:
    """Mesos' container id: the ``<uuid>`` of a docker task's ``mesos-<agent id>.<uuid>`` name."""
    name = container_names.get(task_id)
    if name and "." in name:
        return name.split(".", 1)[1]
    return task_id


def _executor_json(
    data_dir: Path, framework_id: str, task: Mapping[str, Any], active: bool, container_names: Mapping[str, str]
) -> dict[str, Any]:
    task_id = str(task.get("id", ""))
    return {
        "id": task_id,
        "name": f"Command Executor (Task: {task_id}) (Command: sh -c)",
        "source": task_id,
        "container": _container_id(task_id, container_names),
        "directory": str(sandbox_path(data_dir, task_id)),
        "framework_id": framework_id,
        "resources": dict(task.get("resources") or {}),
        "tasks": [dict(task)] if active else [],
        "queued_tasks": [],
        "completed_tasks": [] if active else [dict(task)],
    }


def agent_state(
    view: mesos_state.MasterView, data_dir: Path, container_names: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """``/slave(1)/state``: the agent, and per framework the executors (one per task) with sandboxes.

    ``container_names`` maps task ids to their docker container names (tasks run as containers).
    """
    agent = view.agent
    names = container_names or {}
    frameworks = []
    for framework in view.frameworks:
        frameworks.append(
            {
                "id": framework.framework_id,
                "name": framework.name,
                "user": "root",
                "hostname": view.hostname,
                "role": "*",
                "checkpoint": True,
                "failover_timeout": 604800.0,
                "executors": [
                    _executor_json(data_dir, framework.framework_id, t, True, names) for t in framework.tasks
                ],
                "completed_executors": [
                    _executor_json(data_dir, framework.framework_id, t, False, names) for t in framework.completed_tasks
                ],
            }
        )
    return {
        "version": mesos_state.MESOS_VERSION,
        "git_tag": mesos_state.MESOS_VERSION,
        "start_time": view.start_time,
        "id": agent.agent_id,
        "pid": f"slave(1)@{agent.hostname}:{view.port}",
        "hostname": agent.hostname,
        "resources": mesos_state.agent_resources(agent),
        "attributes": dict(agent.attributes),
        "master_hostname": view.hostname,
        "flags": {
            "work_dir": str(data_dir),
            "port": str(view.port),
            "containerizers": "docker,mesos",
            "attributes": ";".join(f"{key}:{value}" for key, value in agent.attributes.items()),
        },
        "frameworks": frameworks,
        "completed_frameworks": [],
    }


def resolve_sandbox_file(data_dir: Path, requested: str) -> Path | None:
    """``requested`` if it lies inside the sandboxes directory (the only attached path), else None."""
    root = (data_dir / "sandboxes").resolve()
    try:
        candidate = Path(requested).resolve()
    except (OSError, RuntimeError, ValueError):
        return None
    if candidate != root and root not in candidate.parents:
        return None
    return candidate


def read_chunk(path: Path, offset: int, length: int | None) -> dict[str, Any]:
    """Mesos ``/files/read``: ``offset -1`` gives the size; otherwise up to ``length`` bytes from ``offset``."""
    size = path.stat().st_size
    if offset == -1:
        return {"data": "", "offset": size}
    wanted = DEFAULT_READ_LENGTH if length is None or length < 0 else length
    wanted = max(min(wanted, size - offset), 0)
    if wanted == 0:
        return {"data": "", "offset": offset}
    with path.open("rb") as handle:
        handle.seek(offset)
        data = handle.read(wanted)
    return {"data": data.decode("utf-8", "replace"), "offset": offset}


def browse(directory: Path) -> list[dict[str, Any]]:
    """Mesos ``/files/browse`` entries of ``directory``."""
    entries = []
    for child in sorted(directory.iterdir()):
        info = child.stat()
        entries.append(
            {
                "path": str(child),
                "nlink": info.st_nlink,
                "size": info.st_size,
                "mtime": info.st_mtime,
                "mode": stat.filemode(info.st_mode),
                "uid": str(info.st_uid),
                "gid": str(info.st_gid),
            }
        )
    return entries


def _query_int(request: web.Request, name: str) -> int | None:
    text = request.query.get(name)
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        raise web.HTTPBadRequest(text=f"Failed to parse {name}: Failed to convert '{text}' to number") from None


async def _requested_path(request: web.Request, cluster: Cluster, data_dir: Path) -> Path:
    """The sandbox file named by ``?path=`` (container output brought up to date); 400/404 otherwise."""
    requested = request.query.get("path")
    if not requested:
        raise web.HTTPBadRequest(text="Expecting 'path' to be passed")
    path = resolve_sandbox_file(data_dir, requested)
    if path is None:
        raise web.HTTPNotFound(text="File not found")
    await _sync_task_output(cluster, path)
    if not path.exists():
        raise web.HTTPNotFound(text="File not found")
    return path


async def _sync_task_output(cluster: Cluster, path: Path) -> None:
    """Container output lives in docker: refresh the sandbox copy of the task owning ``path``."""
    data_dir = cluster.settings.data_dir
    for framework in cluster.frameworks.values():
        for task in framework.mesos_tasks():
            task_id = str(task.get("id", ""))
            if sandbox_path(data_dir, task_id) in (path, path.parent):
                await cluster.executor.sync_sandbox(task_id)
                return


# Mesos gives every executor its own share on top of its task's resources, and the container's
# limits (what /monitor/statistics reports) are the sum; consumers subtract it (the autoscaler does).
EXECUTOR_CPUS = 0.1
EXECUTOR_MEM_MB = 32


def statistics_entry(
    framework_id: str, task: Mapping[str, Any], usage: Mapping[str, float], now: float
) -> dict[str, Any]:
    """One ``/monitor/statistics`` entry: the task's limits (its resources) and measured usage."""
    task_id = str(task.get("id", ""))
    resources = task.get("resources") or {}
    return {
        "executor_id": task_id,
        "executor_name": f"Command Executor (Task: {task_id}) (Command: sh -c)",
        "framework_id": framework_id,
        "source": task_id,
        "statistics": {
            "timestamp": now,
            "cpus_limit": round(float(resources.get("cpus") or 0) + EXECUTOR_CPUS, 6),
            "mem_limit_bytes": int((float(resources.get("mem") or 0) + EXECUTOR_MEM_MB) * 1024 * 1024),
            **usage,
        },
    }


async def monitor_statistics(cluster: Cluster, view: mesos_state.MasterView) -> list[dict[str, Any]]:
    """``/monitor/statistics``: every active task the executor can measure."""
    pairs = [(framework.framework_id, task) for framework in view.frameworks for task in framework.tasks]
    usages = await asyncio.gather(
        *(cluster.executor.statistics(str(task.get("id", ""))) for _, task in pairs), return_exceptions=True
    )
    now = time.time()
    return [
        statistics_entry(framework_id, task, usage, now)
        for (framework_id, task), usage in zip(pairs, usages, strict=True)
        if isinstance(usage, Mapping)
    ]


def _container_names(cluster: Cluster, view: mesos_state.MasterView) -> dict[str, str]:
    names = {}
    for framework in view.frameworks:
        for task in framework.tasks:
            task_id = str(task.get("id", ""))
            name = cluster.executor.container_name(task_id)
            if name:
                names[task_id] = name
    return names


def setup_agent_routes(app: web.Application, cluster: Cluster, view: Any) -> None:
    """Add ``/slave(1)/state`` and ``/files/*`` to the master's application; ``view()`` snapshots the master."""
    data_dir = Path(cluster.settings.data_dir).resolve()

    async def state(request: web.Request) -> web.Response:
        snapshot = view()
        return web.json_response(agent_state(snapshot, data_dir, _container_names(cluster, snapshot)))

    async def read(request: web.Request) -> web.Response:
        offset, length = _query_int(request, "offset"), _query_int(request, "length")
        if offset is not None and offset < -1:
            raise web.HTTPBadRequest(text=f"Negative offset provided: {offset}")
        path = await _requested_path(request, cluster, data_dir)
        if path.is_dir():
            raise web.HTTPBadRequest(text="Cannot read a directory")
        return web.json_response(read_chunk(path, -1 if offset is None else offset, length))

    async def browse_handler(request: web.Request) -> web.Response:
        path = await _requested_path(request, cluster, data_dir)
        if not path.is_dir():
            raise web.HTTPBadRequest(text=f"Path '{request.query['path']}' is not a directory")
        return web.json_response(browse(path))

    async def download(request: web.Request) -> web.StreamResponse:
        path = await _requested_path(request, cluster, data_dir)
        if path.is_dir():
            raise web.HTTPBadRequest(text="Cannot download a directory")
        headers = {"Content-Disposition": f"attachment; filename={os.path.basename(path)}"}
        return web.FileResponse(path, headers=headers)

    async def statistics(request: web.Request) -> web.Response:
        return web.json_response(await monitor_statistics(cluster, view()))

    for suffix in ("", ".json"):
        app.router.add_get(f"/slave(1)/state{suffix}", state)
        app.router.add_get(f"/monitor/statistics{suffix}", statistics)
        app.router.add_get(f"/slave(1)/monitor/statistics{suffix}", statistics)
        app.router.add_get(f"/files/read{suffix}", read)
        app.router.add_get(f"/files/browse{suffix}", browse_handler)
        app.router.add_get(f"/files/download{suffix}", download)
