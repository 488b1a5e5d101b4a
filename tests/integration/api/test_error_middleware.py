"""paasta-api never answers a traceback: an unexpected exception is a JSON 500 naming only its type and message."""

from __future__ import annotations

import asyncio

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from paasta_tools.api.app import make_app
from paasta_tools.api.instance import ApiSettings
from paasta_tools.errors import ConfigError
from paasta_tools.system_config import SystemPaastaConfig


async def _answers() -> list[tuple[int, object]]:
    app = make_app(ApiSettings("devcluster", "/nonexistent", SystemPaastaConfig()))

    async def boom(request: web.Request) -> web.Response:
        raise KeyError("surprise")

    async def broken(request: web.Request) -> web.Response:
        raise ConfigError("/soa/svc/marathon-devcluster.yaml: main.instances: 'two' is not of type 'integer'")

    app.router.add_get("/boom", boom)
    app.router.add_get("/broken", broken)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        answers = []
        for method, path in (("GET", "/boom"), ("GET", "/broken"), ("PUT", "/v1/version")):
            response = await client.request(method, path)
            answers.append((response.status, await response.json()))
        return answers


def test_unexpected_and_library_errors_are_json() -> None:
    boom, broken, not_allowed = asyncio.run(_answers())
    assert boom == (500, {"message": "internal error (KeyError): 'surprise'"})
    assert broken == (
        500,
        {"message": "/soa/svc/marathon-devcluster.yaml: main.instances: 'two' is not of type 'integer'"},
    )
    assert not_allowed == (405, {"message": "Method Not Allowed: PUT /v1/version"})
