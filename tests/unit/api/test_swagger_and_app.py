"""The shipped swagger description matches the routes paasta-api serves; small request helpers."""

from __future__ import annotations

import pytest

from paasta_tools.api.app import ROUTES, error_status, make_app, swagger_document
from paasta_tools.api.instance import ApiSettings
from paasta_tools.errors import (
    ConfigError,
    MarathonError,
    NoConfigurationForServiceError,
    PaastaApiError,
    UnknownServiceError,
)
from paasta_tools.system_config import SystemPaastaConfig


def _served() -> set[tuple[str, str]]:
    app = make_app(ApiSettings("devcluster", "/nonexistent", SystemPaastaConfig()))
    return {
        (route.method, route.resource.canonical)
        for route in app.router.routes()
        if route.method != "HEAD" and route.resource.canonical != "/swagger.json"
    }


def _documented() -> set[tuple[str, str]]:
    swagger = swagger_document()
    return {
        (method.upper(), swagger["basePath"] + path)
        for path, operations in swagger["paths"].items()
        for method in operations
    }


def test_every_route_is_described_in_swagger_and_nothing_else() -> None:
    assert _served() == _documented()
    assert ("GET", "/v1/services/{service}/{instance}/status") in _served()
    assert ("POST", "/v1/services/{service}/{instance}/autoscaler") in _served()


def test_swagger_document_is_swagger_2_with_resolvable_refs() -> None:
    swagger = swagger_document()
    assert swagger["swagger"] == "2.0" and swagger["basePath"] == "/v1"
    text = str(swagger)
    for name in swagger["definitions"]:
        assert f"#/definitions/{name}" in text, name
    refs = {part.split("'")[0] for part in text.split("#/definitions/")[1:]}
    assert refs <= set(swagger["definitions"])
    for path, operations in swagger["paths"].items():
        names = {p["name"] for op in operations.values() for p in op.get("parameters", []) if p["in"] == "path"}
        assert names == {segment.strip("{}") for segment in path.split("/") if segment.startswith("{")}, path


def test_route_table_has_upstreams_paths() -> None:
    paths = [path for _, path, _ in ROUTES]
    assert "/v1/version" in paths and "/v1/services/{service}" in paths
    assert "/v1/services/{service}/{instance}/tasks/{task_id}" in paths


@pytest.mark.parametrize(
    ("exc", "status"),
    [
        (PaastaApiError("deployment key c.i not found", 404), 404),
        (PaastaApiError("bad", 400), 400),
        (PaastaApiError("no status"), 500),
        (UnknownServiceError("Service 'x' does not exist"), 404),
        (NoConfigurationForServiceError("x.y doesn't look like it has been configured"), 404),
        (ConfigError("marathon-c.yaml: bad"), 500),
        (MarathonError("Marathon of cluster c failed"), 500),
    ],
)
def test_error_status(exc: Exception, status: int) -> None:
    assert error_status(exc) == status
