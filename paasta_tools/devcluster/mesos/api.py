"""The Mesos master HTTP API of a devcluster: state, slaves, frameworks, tasks, metrics, health.

The single agent's API (``/slave(1)/state``, ``/files/*``) is served on the same port (see ``agent``).

Read-only, computed on each request from the registered frameworks (Marathon, Chronos) and the
single agent, so it is always consistent with what the schedulers report.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

from aiohttp import web

from paasta_tools.devcluster.cluster import Cluster
from paasta_tools.devcluster.mesos import state as mesos_state
from paasta_tools.devcluster.mesos.agent import setup_agent_routes
from paasta_tools.devcluster.mesos.maintenance import Maintenance, setup_maintenance_routes

log = logging.getLogger(__name__)


def _master_id(cluster: Cluster) -> str:
    saved = cluster.store.get("mesos", "master_id")
    if saved is None:
        saved = str(uuid.uuid4())
        cluster.store.put("mesos", "master_id", saved)
    return saved


def _framework_views(cluster: Cluster) -> list[mesos_state.FrameworkView]:
    settings = cluster.settings
    ports = {"marathon": settings.marathon_port, "chronos": settings.chronos_port}
    views = []
    for name, framework in sorted(cluster.frameworks.items()):
        try:
            tasks, completed = framework.mesos_tasks(), framework.completed_mesos_tasks()
        except Exception:  # one broken framework must not hide the others
            log.exception("framework %s failed to list its tasks", name)
            tasks, completed = [], []
        webui = f"http://{settings.host}:{ports[name]}" if name in ports else ""
        views.append(mesos_state.FrameworkView(framework.framework_id, framework.name, webui, tasks, completed))
    return views


def master_view(cluster: Cluster, master_id: str, start_time: float) -> mesos_state.MasterView:
    """Snapshot ``cluster`` as the pure state module's input."""
    agent = cluster.agent
    return mesos_state.MasterView(
        master_id=master_id,
        cluster=cluster.settings.cluster,
        hostname=cluster.settings.host,
        port=cluster.settings.mesos_port,
        start_time=start_time,
        now=time.time(),
        agent=mesos_state.AgentView(
            agent.agent_id, agent.hostname, agent.cpus, agent.mem, agent.disk, agent.port_range, agent.attributes
        ),
        frameworks=tuple(_framework_views(cluster)),
        zookeeper=cluster.settings.zookeeper,
        work_dir=str(cluster.settings.data_dir),
        reserved=Maintenance(cluster).reservations(),
        agent_down=Maintenance(cluster).agent_is_down(),
    )


def _respond(request: web.Request, document: Any) -> web.Response:
    body = json.dumps(document)
    callback = request.query.get("jsonp")
    if callback:
        return web.Response(text=f"{callback}({body});", content_type="text/javascript")
    return web.Response(text=body, content_type="application/json")


def _int_param(request: web.Request, name: str, default: int) -> int:
    text = request.query.get(name)
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        raise web.HTTPBadRequest(text=f"Failed to parse {name}: Failed to convert '{text}' to number") from None
    if value < 0:
        raise web.HTTPBadRequest(text=f"Failed to parse {name}: must be non-negative")
    return value


def setup_mesos(app: web.Application, cluster: Cluster) -> None:
    """Add the Mesos master routes to ``app``."""
    master_id, start_time = _master_id(cluster), time.time()

    def view() -> mesos_state.MasterView:
        return master_view(cluster, master_id, start_time)

    def json_route(build: Callable[[mesos_state.MasterView], Any]) -> Callable:
        async def handler(request: web.Request) -> web.Response:
            return _respond(request, build(view()))

        return handler

    async def tasks(request: web.Request) -> web.Response:
        limit, offset = _int_param(request, "limit", 100), _int_param(request, "offset", 0)
        order = request.query.get("order", "desc")
        if order not in ("asc", "desc"):
            raise web.HTTPBadRequest(text=f"Failed to parse order: '{order}' is not a valid order")
        return _respond(request, mesos_state.tasks_json(view(), limit, offset, order))

    async def redirect(request: web.Request) -> web.Response:
        settings = cluster.settings
        raise web.HTTPTemporaryRedirect(f"//{settings.host}:{settings.mesos_port}")

    async def health(request: web.Request) -> web.Response:
        return web.Response(status=200)

    async def version(request: web.Request) -> web.Response:
        document = {"version": mesos_state.MESOS_VERSION, "git_tag": mesos_state.MESOS_VERSION, "build_user": "root"}
        return _respond(request, document)

    state = json_route(mesos_state.state_json)
    for path in ("/master/state", "/master/state.json", "/state.json"):
        app.router.add_get(path, state)
    app.router.add_get("/master/slaves", json_route(mesos_state.slaves_json))
    app.router.add_get("/master/frameworks", json_route(mesos_state.frameworks_json))
    app.router.add_get("/master/tasks", tasks)
    app.router.add_get("/master/tasks.json", tasks)
    app.router.add_get("/metrics/snapshot", json_route(mesos_state.metrics_snapshot))
    app.router.add_get("/master/redirect", redirect)
    app.router.add_get("/redirect", redirect)
    app.router.add_get("/master/health", health)
    app.router.add_get("/health", health)
    app.router.add_get("/version", version)
    setup_agent_routes(app, cluster, view)

    def free_resources() -> dict[str, float]:
        slave = mesos_state.slave_json(view())
        unreserved, used = slave["unreserved_resources"], slave["used_resources"]
        return {name: float(unreserved.get(name, 0.0)) - float(used.get(name, 0.0)) for name in mesos_state.SCALARS}

    setup_maintenance_routes(app, cluster, free_resources)
