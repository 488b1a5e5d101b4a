"""The Marathon 1.4 v2 REST API of the devcluster: ``setup_marathon(app, cluster)``.

Routes for apps and tasks are in ``api_apps``, groups in ``api_groups``; this module holds the rest
(deployments, queue, info, leader, ping, metrics, events) and wires the engine into the aiohttp app.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from aiohttp import web

from paasta_tools.devcluster.cluster import Cluster
from paasta_tools.devcluster.faults import fault_middleware
from paasta_tools.devcluster.health import run_health_check
from paasta_tools.devcluster.marathon import api_apps, api_groups
from paasta_tools.devcluster.marathon.engine import Engine
from paasta_tools.devcluster.marathon.errors import MarathonApiError, not_found
from paasta_tools.devcluster.marathon.events import EventBus
from paasta_tools.devcluster.marathon.framework import MarathonFramework
from paasta_tools.devcluster.marathon.http import (
    SERVICE_KEY,
    MarathonService,
    deployment_response,
    error_middleware,
    flag,
    json_response,
    service,
)
from paasta_tools.devcluster.marathon.ids import canonical_path, format_ts
from paasta_tools.devcluster.marathon.operations import Operations
from paasta_tools.devcluster.marathon.state import MarathonState
from paasta_tools.devcluster.marathon.views import deployment_json, queue_item_json

MARATHON_VERSION = "1.4.12"
EVENT_SUBSCRIPTIONS_OFF = (
    "http event callback system is not running on this Marathon instance. "
    'Please re-start this instance with "--event_subscriber http_callback".'
)


def _leader(request: web.Request) -> str:
    settings = service(request).cluster.settings
    return f"{settings.host}:{settings.marathon_port}"


async def ping(request: web.Request) -> web.Response:
    """GET /ping: ``pong`` (a JSON string for ``Accept: application/json``)."""
    accept = request.headers.get("Accept", "*/*")
    if "application/json" in accept:
        return json_response("pong")
    if "text/" in accept or "*/*" in accept:
        return web.Response(text="pong", content_type="text/plain")
    return web.Response(status=204)


async def get_leader(request: web.Request) -> web.Response:
    """GET /v2/leader: this single Marathon is always the leader."""
    return json_response({"leader": _leader(request)})


async def delete_leader(request: web.Request) -> web.Response:
    """DELETE /v2/leader: acknowledged; a single instance stays leader."""
    return json_response({"message": "Leadership abdicated"})


async def get_info(request: web.Request) -> web.Response:
    """GET /v2/info: the 1.4 info document (only keys marathon-python's models accept)."""
    svc = service(request)
    settings = svc.cluster.settings
    leader = _leader(request)
    config = {
        "checkpoint": True,
        "executor": "//cmd",
        "failover_timeout": 604800,
        "framework_name": "marathon",
        "ha": True,
        "hostname": settings.host,
        "leader_proxy_connection_timeout_ms": 5000,
        "leader_proxy_read_timeout_ms": 10000,
        "local_port_max": 20000,
        "local_port_min": 10000,
        "master": f"{settings.host}:{settings.mesos_port}",
        "mesos_leader_ui_url": f"http://{settings.host}:{settings.mesos_port}/",
        "mesos_role": None,
        "mesos_user": None,
        "webui_url": None,
        "features": [],
    }
    zookeeper = {"zk": f"zk://{settings.host}:2181/marathon", "zk_timeout": 10000, "zk_max_versions": 50}
    return json_response(
        {
            "name": "marathon",
            "version": MARATHON_VERSION,
            "buildref": "devcluster",
            "elected": True,
            "leader": leader,
            "frameworkId": svc.cluster.framework_id("marathon"),
            "marathon_config": config,
            "zookeeper_config": zookeeper,
            "event_subscriber": None,
            "http_config": {"http_port": settings.marathon_port, "https_port": 8443},
        }
    )


async def metrics(request: web.Request) -> web.Response:
    """GET /metrics: a small Dropwizard-shaped metrics document."""
    svc = service(request)
    tasks = sum(len(a.tasks) for a in svc.state.apps.values())
    gauges = {
        "service.mesosphere.marathon.app.count": {"value": len(svc.state.apps)},
        "service.mesosphere.marathon.task.running.count": {"value": tasks},
    }
    return json_response(
        {"version": "3.0.0", "gauges": gauges, "counters": {}, "histograms": {}, "meters": {}, "timers": {}}
    )


async def list_deployments(request: web.Request) -> web.Response:
    """GET /v2/deployments: the running deployment plans (a bare JSON array)."""
    state = service(request).state
    return json_response([deployment_json(d, state) for d in state.deployments.values()])


async def delete_deployment(request: web.Request) -> web.Response:
    """DELETE /v2/deployments/{id}: force → 202 and no rollback; else a forced revert plan."""
    svc = service(request)
    revert = svc.ops.cancel_deployment(request.match_info["id"], flag(request, "force"))
    if revert is None:
        return web.Response(status=202)
    return deployment_response(revert)


async def get_queue(request: web.Request) -> web.Response:
    """GET /v2/queue: apps with instances still to launch, with their launch delay."""
    svc = service(request)
    now = time.time()
    renderer = svc.renderer()
    items = [queue_item_json(a, renderer, now) for a in svc.state.apps.values() if a.queued > 0]
    if any(v.endswith("lastUnusedOffers") for v in request.query.getall("embed", [])):
        for item in items:
            item["lastUnusedOffers"] = []
    return json_response({"queue": items})


async def reset_delay(request: web.Request) -> web.Response:
    """DELETE /v2/queue/{app}/delay: reset the app's launch backoff (204)."""
    svc = service(request)
    tail = request.match_info["tail"].rstrip("/")
    if not tail.endswith("/delay"):
        raise not_found(f"URI not found: {request.path}")
    app_id = canonical_path(tail.removesuffix("/delay"))
    app = svc.state.apps.get(app_id)
    if app is None or app.queued <= 0:
        raise not_found(f"Application {app_id} not found in tasks queue.")
    svc.engine.reset_delay(app)
    return web.Response(status=204)


async def event_subscriptions(request: web.Request) -> web.Response:
    """/v2/eventSubscriptions: Marathon's answer when the http_callback subscriber is off."""
    raise MarathonApiError(400, {"message": EVENT_SUBSCRIPTIONS_OFF})


async def events_stream(request: web.Request) -> web.StreamResponse:
    """Server-Sent Events: ``event: <type>`` / ``data: <json>`` for every event (``event_type`` filters)."""
    svc = service(request)
    wanted = set(request.query.getall("event_type", []))
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
    await response.prepare(request)
    queue = svc.events.subscribe()
    try:
        attached = {
            "remoteAddress": request.remote or "",
            "eventType": "event_stream_attached",
            "timestamp": format_ts(time.time()),
        }
        await _send_event(response, attached, wanted)
        while True:
            event = await queue.get()
            if event is None:
                break
            await _send_event(response, event, wanted)
    except (ConnectionResetError, asyncio.CancelledError):
        pass
    finally:
        svc.events.unsubscribe(queue)
    return response


async def _send_event(response: web.StreamResponse, event: dict[str, Any], wanted: set[str]) -> None:
    if wanted and event["eventType"] not in wanted:
        return
    await response.write(f"event: {event['eventType']}\ndata: {json.dumps(event)}\n\n".encode())


def _add_routes(app: web.Application) -> None:
    api_apps.add_routes(app)
    api_groups.add_routes(app)
    router = app.router
    router.add_get("/ping", ping)
    router.add_get("/v2/leader", get_leader)
    router.add_delete("/v2/leader", delete_leader)
    router.add_get("/v2/info", get_info)
    router.add_get("/metrics", metrics)
    router.add_get("/v2/deployments", list_deployments)
    router.add_delete("/v2/deployments/{id}", delete_deployment)
    router.add_get("/v2/queue", get_queue)
    router.add_delete("/v2/queue/{tail:.*}", reset_delay)
    router.add_get("/v2/events", events_stream)
    for method in ("GET", "POST", "DELETE"):
        router.add_route(method, "/v2/eventSubscriptions", event_subscriptions)


def build_service(cluster: Cluster, health_runner: Any = None, readiness_runner: Any = None) -> MarathonService:
    """The state, event bus, engine and operations of one Marathon emulation."""
    if health_runner is None:
        health_runner = run_health_check
    state = MarathonState(cluster.store)
    events = EventBus()
    engine = Engine(cluster, state, events, health_runner, readiness_runner)
    ops = Operations(state, events, engine.kill)
    return MarathonService(cluster, state, events, engine, ops)


def setup_marathon(app: web.Application, cluster: Cluster, health_runner: Any = None) -> None:
    """Add the Marathon routes and the engine (started with the app, stopped at cleanup) to ``app``."""
    svc = build_service(cluster, health_runner)
    app[SERVICE_KEY] = svc
    app.middlewares.append(fault_middleware(cluster))
    app.middlewares.append(error_middleware)
    _add_routes(app)
    cluster.register_framework(MarathonFramework(cluster, svc.state, svc.engine.completed))

    async def engine_ctx(_: web.Application):
        await svc.engine.start()
        yield
        svc.events.close()
        await svc.engine.stop()

    app.cleanup_ctx.append(engine_ctx)
    app.on_shutdown.append(_close_streams(svc))


def _close_streams(svc: MarathonService):
    async def close(_: web.Application) -> None:
        svc.events.close()

    return close
