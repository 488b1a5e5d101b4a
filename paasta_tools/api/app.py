"""The aiohttp application of paasta-api: upstream's routes under ``/v1``, JSON errors, ``/swagger.json``.

Handlers only unpack the request and run the blocking work of ``paasta_tools.api.instance`` /
``autoscaler`` in a worker thread.  Every failure becomes ``{"message": ...}`` with its status:
PaastaApiError its own, unknown service or instance 404, any other PaastaError (a broken soa-config,
an unreachable scheduler) 500; anything else is logged with its traceback and answered 500 without it.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from importlib import resources
from typing import Any

from aiohttp import web

from paasta_tools import __version__
from paasta_tools.api import autoscaler, instance
from paasta_tools.api.instance import HTTP_BAD_REQUEST, HTTP_NOT_FOUND, HTTP_SERVER_ERROR, ApiSettings, ReadCache
from paasta_tools.errors import NoConfigurationForServiceError, PaastaApiError, PaastaError, UnknownServiceError

log = logging.getLogger(__name__)

SETTINGS_KEY = web.AppKey("settings", ApiSettings)
CACHE_KEY = web.AppKey("cache", ReadCache)
INSTANCE_PATH = "/v1/services/{service}/{instance}"
TRUE_WORDS = ("true", "1", "yes")
FALSE_WORDS = ("false", "0", "no", "")


def error_status(exc: Exception) -> int:
    """The HTTP status of a failure."""
    if isinstance(exc, PaastaApiError) and exc.status is not None:
        return exc.status
    if isinstance(exc, UnknownServiceError | NoConfigurationForServiceError):
        return HTTP_NOT_FOUND
    return HTTP_SERVER_ERROR


def error_response(status: int, message: str) -> web.Response:
    return web.json_response({"message": message}, status=status)


@web.middleware
async def json_errors(request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> Any:
    """Errors of the handlers (and aiohttp's own 404/405) as JSON bodies."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return error_response(exc.status, f"{exc.reason}: {request.method} {request.path}")
    except PaastaError as exc:
        status = error_status(exc)
        log.log(
            logging.ERROR if status >= HTTP_SERVER_ERROR else logging.INFO,
            "%s %s: %s",
            request.method,
            request.path,
            exc,
        )
        return error_response(status, str(exc))
    except Exception as exc:
        log.exception("%s %s failed", request.method, request.path)
        return error_response(HTTP_SERVER_ERROR, f"internal error ({type(exc).__name__}): {exc}")


def query_flag(request: web.Request, name: str) -> bool:
    """A boolean query parameter (true/false, 1/0, yes/no); 400 naming it otherwise."""
    value = request.query.get(name, "").lower()
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise PaastaApiError(f"query parameter {name} must be true or false, got {request.query[name]!r}", HTTP_BAD_REQUEST)


async def _run(request: web.Request, work: Callable[..., Any], *args: Any, status: int = 200) -> web.Response:
    result = await asyncio.to_thread(work, request.app[SETTINGS_KEY], *args)
    return web.json_response(result, status=status)


async def version(request: web.Request) -> web.Response:
    return web.json_response(__version__)


async def service_instances(request: web.Request) -> web.Response:
    return await _run(request, instance.list_instances, request.match_info["service"])


async def instance_status(request: web.Request) -> web.Response:
    info = request.match_info
    return await _run(request, instance.instance_status, request.app[CACHE_KEY], info["service"], info["instance"])


async def instance_tasks(request: web.Request) -> web.Response:
    info, verbose = request.match_info, query_flag(request, "verbose")
    slave = request.query.get("slave_hostname") or None
    args = (request.app[CACHE_KEY], info["service"], info["instance"], slave, verbose)
    return await _run(request, instance.instance_tasks, *args)


async def instance_task(request: web.Request) -> web.Response:
    info, verbose = request.match_info, query_flag(request, "verbose")
    args = (request.app[CACHE_KEY], info["service"], info["instance"], info["task_id"], verbose)
    return await _run(request, instance.instance_task, *args)


async def get_autoscaler(request: web.Request) -> web.Response:
    info = request.match_info
    return await _run(request, autoscaler.get_autoscaler_count, info["service"], info["instance"])


async def post_autoscaler(request: web.Request) -> web.Response:
    info = request.match_info
    try:
        body = await request.json()
    except ValueError:
        raise PaastaApiError("the request body is not JSON", HTTP_BAD_REQUEST) from None
    return await _run(request, autoscaler.update_autoscaler_count, info["service"], info["instance"], body, status=202)


def swagger_document() -> dict[str, Any]:
    """The swagger 2.0 description shipped as package data (``api_docs/swagger.json``)."""
    text = resources.files("paasta_tools.api").joinpath("api_docs/swagger.json").read_text(encoding="utf-8")
    return json.loads(text)


async def swagger(request: web.Request) -> web.Response:
    return web.json_response(swagger_document())


ROUTES: tuple[tuple[str, str, Callable[[web.Request], Awaitable[web.Response]]], ...] = (
    ("GET", "/v1/version", version),
    ("GET", "/v1/services/{service}", service_instances),
    ("GET", f"{INSTANCE_PATH}/status", instance_status),
    ("GET", f"{INSTANCE_PATH}/tasks", instance_tasks),
    ("GET", f"{INSTANCE_PATH}/tasks/{{task_id}}", instance_task),
    ("GET", f"{INSTANCE_PATH}/autoscaler", get_autoscaler),
    ("POST", f"{INSTANCE_PATH}/autoscaler", post_autoscaler),
    ("GET", "/swagger.json", swagger),
)


def make_app(settings: ApiSettings, cache: ReadCache | None = None) -> web.Application:
    """The application serving ``settings``' cluster and soa dir."""
    app = web.Application(middlewares=[json_errors])
    app[SETTINGS_KEY] = settings
    app[CACHE_KEY] = cache or ReadCache(settings.cache_ttl)
    for method, path, handler in ROUTES:
        app.router.add_route(method, path, handler)
    return app
