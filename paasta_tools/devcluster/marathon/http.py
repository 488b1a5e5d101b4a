"""HTTP plumbing shared by the Marathon handlers: JSON bodies and responses, error middleware, the service."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from paasta_tools.devcluster.cluster import Cluster
from paasta_tools.devcluster.marathon.engine import Engine
from paasta_tools.devcluster.marathon.errors import MarathonApiError, invalid_json
from paasta_tools.devcluster.marathon.events import EventBus
from paasta_tools.devcluster.marathon.ids import parse_bool
from paasta_tools.devcluster.marathon.operations import Operations
from paasta_tools.devcluster.marathon.state import Deployment, MarathonState
from paasta_tools.devcluster.marathon.views import Renderer, dumps

log = logging.getLogger(__name__)
SERVICE_KEY = web.AppKey("marathon_service", object)


@dataclass
class MarathonService:
    """Everything a handler needs."""

    cluster: Cluster
    state: MarathonState
    events: EventBus
    engine: Engine
    ops: Operations

    def renderer(self) -> Renderer:
        return Renderer(self.state, self.cluster.agent.hostname, self.cluster.agent.agent_id)


def service(request: web.Request) -> MarathonService:
    return request.app[SERVICE_KEY]  # type: ignore[return-value]


def json_response(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(body=dumps(payload).encode(), status=status, content_type="application/json", headers=headers)


def json_text_response(text: str, status: int = 200) -> web.Response:
    return web.Response(body=text.encode(), status=status, content_type="application/json")


def deployment_response(deployment: Deployment, status: int = 200, location: str | None = None) -> web.Response:
    """``{"version", "deploymentId"}`` with the ``Marathon-Deployment-Id`` header."""
    headers = {"Marathon-Deployment-Id": deployment.id}
    if location:
        headers["Location"] = location
    return json_response({"version": deployment.version, "deploymentId": deployment.id}, status, headers)


async def read_json(request: web.Request) -> Any:
    """The request body as JSON, or play-json's 400 ``Invalid JSON`` with the parser text."""
    raw = await request.read()
    try:
        return json.loads(raw.decode("utf-8") if raw else "")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise invalid_json(f"Unexpected content: {exc}") from None


def flag(request: web.Request, name: str, default: bool = False) -> bool:
    """A query boolean the way Jersey reads it (``True``/``TRUE``/``true``)."""
    return parse_bool(request.query.get(name), default)


@web.middleware
async def error_middleware(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Marathon's error JSON for refused requests; 404/405 for unknown routes; 500 for our own bugs."""
    try:
        return await handler(request)
    except MarathonApiError as exc:
        return json_response(exc.body, exc.status)
    except web.HTTPNotFound:
        return json_response({"message": f"URI not found: {request.path}"}, 404)
    except web.HTTPMethodNotAllowed:
        return web.Response(status=405)
    except web.HTTPException:
        raise
    except Exception as exc:  # the server answers 500 and keeps serving
        log.exception("marathon handler failed: %s %s", request.method, request.path)
        return json_response({"message": f"{type(exc).__name__}: {exc}"}, 500)
