"""The Chronos 2.x REST API (``/scheduler/...``, with ``/v1/scheduler/...`` aliases) over aiohttp.

Status codes follow Chronos 2.5: 204 for successful changes, 400 with a plain-text message (or an
empty body, for an unparseable schedule), 500 with an empty body for other failures.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from aiohttp import web

from paasta_tools.devcluster.chronos import jobs as job_docs
from paasta_tools.devcluster.chronos import views
from paasta_tools.devcluster.chronos.jobs import ChronosRequestError
from paasta_tools.devcluster.chronos.scheduler import ChronosScheduler
from paasta_tools.devcluster.cluster import Cluster

log = logging.getLogger(__name__)
SCHEDULER = web.AppKey("chronos_scheduler", ChronosScheduler)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
SEARCH_LIMIT = 10


def _json(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=lambda value: json.dumps(value, separators=(",", ":")))


def _no_content() -> web.Response:
    return web.Response(status=204)


@web.middleware
async def _errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Chronos' error shapes; no request ever brings the server down."""
    try:
        return await handler(request)
    except ChronosRequestError as exc:
        return web.Response(status=exc.status, text=exc.body, content_type="text/plain")
    except web.HTTPException:
        raise
    except Exception:
        log.exception("Chronos request %s %s failed", request.method, request.path)
        return web.Response(status=500)


def _scheduler(request: web.Request) -> ChronosScheduler:
    return request.app[SCHEDULER]


async def _read_job(request: web.Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.text())
    except (ValueError, RecursionError) as exc:
        raise job_docs.bad_request(f"Unexpected content in JSON body: {exc}") from exc
    return job_docs.parse_job(body)


async def list_jobs(request: web.Request) -> web.Response:
    jobs = _scheduler(request).state.jobs.values()
    return _json([job_docs.listing_view(job) for job in jobs])


def _int_param(request: web.Request, name: str, default: int) -> int:
    raw = request.query.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise web.HTTPNotFound() from None  # Jersey answers an unconvertible query parameter with 404


async def search_jobs(request: web.Request) -> web.Response:
    query = request.query
    found = job_docs.search_jobs(
        _scheduler(request).state.jobs.values(),
        query.get("name"),
        query.get("command"),
        query.get("any"),
        _int_param(request, "limit", SEARCH_LIMIT),
        _int_param(request, "offset", 0),
    )
    return _json(found)


async def put_scheduled_job(request: web.Request) -> web.Response:
    job = await _read_job(request)
    _scheduler(request).submit_scheduled(job)
    return _no_content()


async def put_dependent_job(request: web.Request) -> web.Response:
    job = await _read_job(request)
    _scheduler(request).submit_dependent(job)
    return _no_content()


async def run_job(request: web.Request) -> web.Response:
    _scheduler(request).run_now(request.match_info["name"], request.query.get("arguments"))
    return _no_content()


async def delete_job(request: web.Request) -> web.Response:
    scheduler = _scheduler(request)
    async with scheduler.lock:
        await scheduler.delete(request.match_info["name"])
    return _no_content()


async def get_job(request: web.Request) -> web.Response:
    return _json(_scheduler(request).job(request.match_info["name"]))


async def jobs_summary(request: web.Request) -> web.Response:
    scheduler = _scheduler(request)
    return _json(views.jobs_summary(scheduler.state.jobs.values(), scheduler.job_state))


async def mark_success(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    success = _scheduler(request).mark_success(name)
    return web.Response(text=f"marked job {name} as successful: {str(success).lower()}", content_type="text/plain")


async def job_stat(request: web.Request) -> web.Response:
    scheduler = _scheduler(request)
    name = request.match_info["name"]
    scheduler.job(name)
    return _json(views.job_stat(scheduler.state.runs_of(name), scheduler.cluster.agent.agent_id))


async def kill_tasks(request: web.Request) -> web.Response:
    scheduler = _scheduler(request)
    async with scheduler.lock:
        await scheduler.kill_tasks(request.match_info["name"])
    return _no_content()


async def purge_tasks(request: web.Request) -> web.Response:
    _scheduler(request).purge_queue()
    return _no_content()


async def task_callback(request: web.Request) -> web.Response:
    try:
        body = json.loads(await request.text())
        status_code = int(body["statusCode"])
    except (ValueError, KeyError, TypeError) as exc:
        raise job_docs.bad_request(f'Body must be {{"statusCode": <int>}}: {exc}') from exc
    _scheduler(request).complete_async_task(request.match_info["task_id"], status_code)
    return _no_content()


async def stats(request: web.Request) -> web.Response:
    stat = request.match_info["stat"]
    if stat not in views.STAT_NAMES:
        raise web.HTTPNotFound()
    state = _scheduler(request).state
    return _json(views.slowest_jobs({name: state.runs_of(name) for name in state.jobs}, stat))


async def graph_csv(request: web.Request) -> web.Response:
    scheduler = _scheduler(request)
    text = views.graph_csv(scheduler.state.jobs.values(), scheduler.edges(), scheduler.job_state)
    return web.Response(text=text, content_type="text/plain")


async def graph_dot(request: web.Request) -> web.Response:
    scheduler = _scheduler(request)
    return web.Response(
        text=views.graph_dot(scheduler.state.jobs.values(), scheduler.edges()), content_type="text/plain"
    )


async def leader(request: web.Request) -> web.Response:
    settings = _scheduler(request).cluster.settings
    return _json({"leader": f"{settings.host}:{settings.chronos_port}"})


async def ping(request: web.Request) -> web.Response:
    return web.Response(text="pong\n", content_type="text/plain")


async def metrics(request: web.Request) -> web.Response:
    state = _scheduler(request).state
    gauges = {
        "jobs.count": {"value": len(state.jobs)},
        "tasks.queued": {"value": sum(not task.running for task in state.tasks.values())},
        "tasks.running": {"value": sum(task.running for task in state.tasks.values())},
    }
    return _json({"version": "3.0.0", "gauges": gauges, "counters": {}, "histograms": {}, "meters": {}, "timers": {}})


def _add_scheduler_routes(router: web.UrlDispatcher, prefix: str) -> None:
    root = f"{prefix}/scheduler"
    router.add_get(f"{root}/jobs", list_jobs)
    router.add_get(f"{root}/jobs/search", search_jobs)
    for method in ("POST", "PUT"):
        router.add_route(method, f"{root}/iso8601", put_scheduled_job)
        router.add_route(method, f"{root}/dependency", put_dependent_job)
    router.add_put(f"{root}/job/success/{{name}}", mark_success)
    router.add_get(f"{root}/job/stat/{{name}}", job_stat)
    router.add_put(f"{root}/job/{{name}}", run_job)
    router.add_delete(f"{root}/job/{{name}}", delete_job)
    if prefix:  # 3.x only
        router.add_get(f"{root}/job/{{name}}", get_job)
        router.add_get(f"{root}/jobs/summary", jobs_summary)
    router.add_delete(f"{root}/task/kill/{{name}}", kill_tasks)
    router.add_delete(f"{root}/task/all", purge_tasks)
    router.add_put(f"{root}/task/{{task_id}}", task_callback)
    router.add_get(f"{root}/stats/{{stat}}", stats)
    router.add_get(f"{root}/graph/csv", graph_csv)
    router.add_get(f"{root}/graph/dot", graph_dot)
    router.add_get(f"{root}/leader", leader)


def setup_chronos(app: web.Application, cluster: Cluster) -> None:
    """Serve the Chronos API of ``cluster`` on ``app`` and run its scheduler loop while it is up."""
    scheduler = ChronosScheduler(cluster)
    cluster.register_framework(scheduler)
    app[SCHEDULER] = scheduler
    app.middlewares.append(_errors)
    for prefix in ("", "/v1"):
        _add_scheduler_routes(app.router, prefix)
    app.router.add_get("/ping", ping)
    app.router.add_get("/metrics", metrics)

    async def scheduler_loop(_: web.Application) -> AsyncIterator[None]:
        task = asyncio.create_task(scheduler.run_forever(cluster.settings.reconcile_interval))
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    app.cleanup_ctx.append(scheduler_loop)
