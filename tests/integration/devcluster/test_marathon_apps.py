"""Contract tests of the devcluster's /v2/apps, through real HTTP and the real marathon-python client."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import requests

from paasta_tools.clients.marathon_client import get_marathon_client

SCHEMA = json.loads((Path(__file__).parents[2] / "fixtures" / "marathon-schema" / "AppDefinition.json").read_text())
VALIDATOR = jsonschema.Draft4Validator(SCHEMA)
# Status fields Marathon adds to an app; the AppDefinition schema describes only the definition.
STATUS_KEYS = {
    "tasksStaged",
    "tasksRunning",
    "tasksHealthy",
    "tasksUnhealthy",
    "tasks",
    "deployments",
    "lastTaskFailure",
    "taskStats",
    "readinessCheckResults",
}
SMALL = {"cpus": 0.01, "mem": 8}


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def assert_valid_app(app: dict[str, Any]) -> None:
    """Validate an app the server returned against Marathon 1.4.12's AppDefinition schema."""
    definition = _without_nulls({k: v for k, v in app.items() if k not in STATUS_KEYS})
    VALIDATOR.validate(definition)


def wait_for(condition: Callable[[], Any], timeout: float = 10.0, interval: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        time.sleep(interval)


def wait_running(client: Any, app_id: str, count: int, timeout: float = 10.0) -> Any:
    """The app once exactly ``count`` of its tasks are running."""

    def running() -> Any:
        app = client.get_app(app_id)
        return app if app.tasks_running == count and len(app.tasks) == count else None

    return wait_for(running, timeout)


def apps_in(payload: Any, path: str) -> list[dict[str, Any]]:
    """Every app object in a Marathon response body (apps, app, group/*, queue items, groups, versions)."""
    if "/versions/" in path and isinstance(payload, dict) and "id" in payload:
        return [payload]
    if not isinstance(payload, dict):
        return []
    found = list(payload.get("apps") or []) + list(payload.get("*") or [])
    if isinstance(payload.get("app"), dict):
        found.append(payload["app"])
    for item in payload.get("queue") or []:
        found.append(item["app"])
    for group in payload.get("groups") or []:
        found.extend(apps_in(group, path))
    if path.rstrip("/") == "/v2/apps" and "id" in payload and "cmd" in payload:
        found.append(payload)  # the body of POST /v2/apps
    return found


def _validate_response(response: requests.Response, *args: Any, **kwargs: Any) -> None:
    if response.headers.get("Content-Type", "").startswith("application/json") and response.ok:
        for app in apps_in(response.json(), response.request.path_url.split("?")[0]):
            assert_valid_app(app)


def validating_client(url: str) -> Any:
    """The project's marathon-python client; every app it receives is checked against the schema."""
    client = get_marathon_client(url)
    client.session.hooks["response"].append(_validate_response)
    return client


class Api:
    """Raw HTTP against one devcluster Marathon; every app in a JSON answer is checked against the schema."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.session = requests.Session()

    def __call__(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        response = self.session.request(method, self.url + path, timeout=10, **kwargs)
        _validate_response(response)
        return response

    def deployments_done(self) -> bool:
        return self("GET", "/v2/deployments").json() == []


@pytest.fixture
def marathon(devcluster_factory):
    handle = devcluster_factory(apis=("marathon",))
    return Api(handle.marathon_url)


@pytest.fixture
def client(marathon):
    return validating_client(marathon.url)


def create(api: Api, app_id: str, **fields: Any) -> requests.Response:
    body = {"id": app_id, "cmd": "sleep 1000", **SMALL, **fields}
    response = api("POST", "/v2/apps", json=body)
    assert response.status_code == 201, response.text
    return response


def test_create_applies_defaults_and_returns_201(marathon):
    response = create(marathon, "/svc/main", cpus=0.5, mem=64)
    app = response.json()
    assert response.headers["Location"] == "/svc/main"
    assert response.headers["Marathon-Deployment-Id"] == app["deployments"][0]["id"]
    assert (app["instances"], app["disk"], app["backoffSeconds"], app["backoffFactor"]) == (1, 0.0, 1, 1.15)
    assert app["maxLaunchDelaySeconds"] == 3600
    assert app["upgradeStrategy"] == {"minimumHealthCapacity": 1.0, "maximumOverCapacity": 1.0}
    assert app["args"] is None and app["tasks"] == []
    assert (app["tasksStaged"], app["tasksRunning"], app["tasksHealthy"], app["tasksUnhealthy"]) == (0, 0, 0, 0)
    assert app["portDefinitions"] == [{"port": 10000, "protocol": "tcp", "name": "default", "labels": {}}]
    assert app["ports"] == [10000]
    assert_valid_app(app)


def test_marathon_python_round_trips_a_docker_app_with_health_checks(marathon, client):
    from marathon.models import MarathonApp

    docker = {"image": "busybox", "network": "BRIDGE", "portMappings": [{"containerPort": 8888, "hostPort": 0}]}
    body = {
        "id": "/web/main",
        "cmd": "httpd",
        **SMALL,
        "container": {
            "type": "DOCKER",
            "docker": docker,
            "volumes": [{"containerPath": "/a", "hostPath": "/b", "mode": "RO"}],
        },
        "healthChecks": [{"protocol": "HTTP", "path": "/status", "gracePeriodSeconds": 5}],
        "constraints": [["hostname", "UNIQUE"]],
    }
    created = client.create_app("/web/main", MarathonApp.from_json(body))
    assert created.id == "/web/main"
    app = client.get_app("/web/main")
    assert app.health_checks[0].port_index == 0
    assert app.container.docker.port_mappings[0].service_port == 10000
    assert app.container.docker.port_mappings[0].host_port == 0
    raw = marathon("GET", "/v2/apps//web/main").json()["app"]
    assert raw["container"]["volumes"] == [{"containerPath": "/a", "hostPath": "/b", "mode": "RO"}]
    assert raw["constraints"] == [["hostname", "UNIQUE"]]
    assert_valid_app(raw)


def test_service_ports_are_unique_across_apps(marathon):
    first = create(marathon, "/a", portDefinitions=[{"port": 0}, {"port": 0}]).json()
    second = create(marathon, "/b").json()
    assert first["ports"] == [10000, 10001]
    assert second["ports"] == [10002]


def test_duplicate_create_is_409(marathon):
    create(marathon, "/dup")
    response = marathon("POST", "/v2/apps", json={"id": "/dup", "cmd": "true"})
    assert response.status_code == 409
    assert response.json() == {"message": "An app with id [/dup] already exists."}


@pytest.mark.parametrize(
    ("body", "status", "expected"),
    [
        (
            {"id": "/Bad_Id", "cmd": "x"},
            422,
            {
                "path": "/id",
                "errors": [
                    "must fully match regular expression "
                    "'^(([a-z0-9]|[a-z0-9][a-z0-9\\-]*[a-z0-9])\\.)*([a-z0-9]|[a-z0-9][a-z0-9\\-]*[a-z0-9])|(\\.|\\.\\.)$'"
                ],
            },
        ),
        ({"id": "/x", "cmd": 3}, 400, {"path": "/cmd", "errors": ["error.expected.jsstring"]}),
        ({"id": "/x", "cmd": "x", "cpus": "many"}, 400, {"path": "/cpus", "errors": ["error.expected.jsnumber"]}),
        ({"cmd": "x"}, 400, {"path": "/id", "errors": ["error.path.missing"]}),
        (
            {"id": "/x", "cmd": "x", "instances": -3},
            422,
            {"path": "/instances", "errors": ["got -3, expected 0 or more"]},
        ),
        (
            {"id": "/x", "cmd": "x", "upgradeStrategy": {"minimumHealthCapacity": 1.2}},
            422,
            {"path": "/upgradeStrategy/minimumHealthCapacity", "errors": ["got 1.2, expected between 0.0 and 1.0"]},
        ),
        (
            {"id": "/x"},
            422,
            {
                "path": "/",
                "errors": ["AppDefinition must either contain one of 'cmd' or 'args', and/or a 'container'."],
            },
        ),
        (
            {"id": "/x", "cmd": "x", "healthChecks": [{"portIndex": 3}]},
            422,
            {
                "path": "/healthChecks(0)",
                "errors": [
                    "Health check port indices must address an element of the ports array or container port mappings."
                ],
            },
        ),
    ],
)
def test_invalid_bodies_get_marathon_error_shapes(marathon, body, status, expected):
    response = marathon("POST", "/v2/apps", json=body)
    assert response.status_code == status
    payload = response.json()
    assert payload["message"] == ("Invalid JSON" if status == 400 else "Object is not valid")
    assert expected in payload["details"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("{not json", "Invalid JSON"),
        ('{"id": "/x", "cmd": "x", "constraints": [["hostname", "NEAR"]]}', None),
        (
            '{"id": "/x", "cmd": "x", "uris": ["a"], "fetch": [{"uri": "b"}]}',
            "You cannot specify both uris and fetch fields",
        ),
        ("[1, 2]", "Invalid JSON"),
    ],
)
def test_malformed_requests_are_400_and_the_server_keeps_serving(marathon, data, message):
    response = marathon("POST", "/v2/apps", data=data, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    if message:
        assert response.json()["message"] == message
    else:
        assert response.json()["message"].startswith("Constraint operator must be one of the following: [UNIQUE")
    assert marathon("GET", "/ping").status_code == 200


def test_get_single_app_embeds_tasks_and_unknown_app_is_404(marathon, client):
    create(marathon, "/one", instances=2)
    app = wait_running(client, "/one", 2)
    assert len(app.tasks) == 2
    assert app.tasks[0].id.startswith("one.")
    response = marathon("GET", "/v2/apps//nope")
    assert response.status_code == 404
    assert response.json() == {"message": "App '/nope' does not exist"}


def test_list_filters_and_embeds(marathon, client):
    create(marathon, "/alpha/web", labels={"team": "a", "tier": "web"})
    create(marathon, "/beta/web", cmd="python -m http.server", labels={"team": "b"})
    create(marathon, "/alpha/worker", labels={"team": "a"})
    ids = lambda **params: sorted(a["id"] for a in marathon("GET", "/v2/apps", params=params).json()["apps"])  # noqa: E731
    assert ids(id="ALPHA") == ["/alpha/web", "/alpha/worker"]
    assert ids(cmd="HTTP.SERVER") == ["/beta/web"]
    assert ids(label="team==a,tier") == ["/alpha/web"]
    assert ids(label="team!=a") == ["/beta/web"]
    assert ids(label="team in (a, b)") == ["/alpha/web", "/alpha/worker", "/beta/web"]
    plain = marathon("GET", "/v2/apps").json()["apps"][0]
    assert "tasks" not in plain and "tasksRunning" in plain and "deployments" in plain
    embedded = marathon("GET", "/v2/apps?embed=apps.tasks&embed=app.counts").json()["apps"][0]
    assert "tasks" in embedded
    for app in client.list_apps(embed_tasks=True, embed_task_stats=True, embed_last_task_failure=True):
        assert app.tasks is not None
    for app in marathon("GET", "/v2/apps?embed=apps.taskStats&embed=apps.readiness").json()["apps"]:
        assert_valid_app(app)


def test_put_updates_partially_creates_and_rolls_back(marathon, client):
    create(marathon, "/svc", env={"A": "1"})
    wait_for(marathon.deployments_done)
    response = marathon("PUT", "/v2/apps//svc", json={"cmd": "sleep 2000"})
    assert response.status_code == 200
    assert set(response.json()) == {"version", "deploymentId"}
    assert response.headers["Marathon-Deployment-Id"] == response.json()["deploymentId"]
    app = marathon("GET", "/v2/apps/svc").json()["app"]
    assert app["cmd"] == "sleep 2000" and app["env"] == {"A": "1"}
    assert app["versionInfo"]["lastConfigChangeAt"] == app["version"]
    created = marathon("PUT", "/v2/apps/new-app", json={"cmd": "true", **SMALL})
    assert created.status_code == 201
    assert created.headers["Location"] == "/new-app"
    versions = client.list_versions("/svc")
    assert len(versions) == 2
    first = marathon("GET", f"/v2/apps/svc/versions/{versions[-1]}").json()
    assert first["cmd"] == "sleep 1000" and "tasks" not in first
    assert client.get_version("/svc", versions[-1]).cmd == "sleep 1000"
    assert_valid_app(first)
    wait_for(marathon.deployments_done)
    client.rollback_app("/svc", versions[-1])
    assert client.get_app("/svc").cmd == "sleep 1000"
    missing = marathon("PUT", "/v2/apps/svc", json={"version": "2001-01-01T00:00:00.000Z"})
    assert missing.status_code == 404
    assert missing.json() == {"message": "App '/svc' does not exist in version 2001-01-01T00:00:00.000Z"}


def test_scale_only_change_keeps_config_version(marathon, client):
    create(marathon, "/scaled")
    wait_for(marathon.deployments_done)
    before = marathon("GET", "/v2/apps/scaled").json()["app"]
    client.scale_app("/scaled", 3)
    after = marathon("GET", "/v2/apps/scaled").json()["app"]
    assert after["version"] != before["version"]
    assert after["versionInfo"]["lastConfigChangeAt"] == before["versionInfo"]["lastConfigChangeAt"]
    assert after["versionInfo"]["lastScalingAt"] == after["version"]
    wait_for(lambda: client.get_app("/scaled").tasks_running == 3)


def test_patch_never_creates(marathon):
    response = marathon("PATCH", "/v2/apps/ghost", json={"instances": 2})
    assert response.status_code == 404
    assert response.json() == {"message": "App '/ghost' does not exist"}


def test_lock_conflict_and_force(marathon, client):
    create(marathon, "/locked", healthChecks=[{"protocol": "COMMAND", "command": {"value": "false"}}])
    first = marathon("GET", "/v2/deployments").json()[0]["id"]
    response = marathon("PUT", "/v2/apps/locked", json={"instances": 2}, params={"force": "False"})
    assert response.status_code == 409
    assert response.json()["deployments"] == [{"id": first}]
    assert response.json()["message"] == (
        "App is locked by one or more deployments. Override with the option '?force=true'. "
        f"View details at '/v2/deployments/{first}'."
    )
    forced = marathon("PUT", "/v2/apps/locked", json={"instances": 2}, params={"force": "TRUE"})
    assert forced.status_code == 200
    assert [d["id"] for d in marathon("GET", "/v2/deployments").json()] == [forced.json()["deploymentId"]]


def test_delete_defaults_to_force_and_client_false_gets_409(marathon, client):
    create(marathon, "/doomed", healthChecks=[{"protocol": "COMMAND", "command": {"value": "false"}}])
    response = marathon("DELETE", "/v2/apps//doomed", params={"force": "False"})
    assert response.status_code == 409
    deleted = marathon("DELETE", "/v2/apps//doomed")
    assert deleted.status_code == 200
    assert marathon("GET", "/v2/apps/doomed").status_code == 404
    assert marathon("DELETE", "/v2/apps/doomed").json() == {"message": "App '/doomed' does not exist"}
    wait_for(marathon.deployments_done)


def test_restart_replaces_every_task(marathon, client):
    create(marathon, "/restarted", instances=2)
    old = {t.id for t in wait_running(client, "/restarted", 2).tasks}
    result = client.restart_app("/restarted")
    assert set(result) == {"version", "deploymentId"}
    wait_for(marathon.deployments_done)
    new = {t.id for t in client.get_app("/restarted").tasks}
    assert len(new) == 2 and not new & old
    app = marathon("GET", "/v2/apps/restarted").json()["app"]
    assert app["versionInfo"]["lastScalingAt"] == app["version"] != app["versionInfo"]["lastConfigChangeAt"]
    assert marathon("POST", "/v2/apps/none/restart").status_code == 404


def test_info_leader_ping_and_unknown_routes(marathon, client):
    info = client.get_info()
    assert info.name == "marathon" and info.elected
    assert info.marathon_config.local_port_min == 10000
    assert client.get_leader() == {"leader": marathon.url.removeprefix("http://")}
    assert client.ping() == b'"pong"'
    assert marathon("GET", "/ping", headers={"Accept": "text/plain"}).text == "pong"
    unknown = marathon("GET", "/v2/nothing")
    assert unknown.status_code == 404
    assert unknown.json() == {"message": "URI not found: /v2/nothing"}
    assert marathon("GET", "/v2/eventSubscriptions").status_code == 400


def test_groups_basics(marathon, client):
    body = {"id": "/prod", "apps": [{"id": "web", "cmd": "true", **SMALL}, {"id": "db/main", "cmd": "true", **SMALL}]}
    response = marathon("POST", "/v2/groups", json=body)
    assert response.status_code == 201
    assert marathon("POST", "/v2/groups", json=body).status_code == 409
    root = marathon("GET", "/v2/groups").json()
    assert root["id"] == "/" and root["groups"][0]["id"] == "/prod"
    prod = marathon("GET", "/v2/groups/prod").json()
    assert [a["id"] for a in prod["apps"]] == ["/prod/web"]
    assert prod["groups"][0]["id"] == "/prod/db"
    assert [g.id for g in client.list_groups()] == ["/prod"]
    wait_for(marathon.deployments_done)
    scaled = marathon("PUT", "/v2/groups/prod", json={"scaleBy": 2})
    assert scaled.status_code == 200
    assert client.get_app("/prod/web").instances == 2
    assert marathon("GET", "/v2/groups/none").status_code == 404
    bad = marathon("PUT", "/v2/groups/prod", json={"apps": [{"id": "/other", "cmd": "x"}]})
    assert bad.status_code == 422
    assert marathon("DELETE", "/v2/groups/prod").status_code == 200
    assert client.list_apps() == []


BAD_BODIES = [
    None,
    5,
    "text",
    [],
    {"id": 5, "cmd": "x"},
    {"id": "/", "cmd": "x"},
    {"id": "/x", "cmd": "x", "healthChecks": "all"},
    {"id": "/x", "cmd": "x", "healthChecks": [None]},
    {"id": "/x", "cmd": "x", "healthChecks": [{"protocol": "SMOKE"}]},
    {"id": "/x", "cmd": "x", "container": {"docker": {"image": "i", "portMappings": [None]}}},
    {"id": "/x", "cmd": "x", "container": {"docker": {"image": "i", "portMappings": [{"containerPort": 70000}]}}},
    {"id": "/x", "cmd": "x", "container": {"type": "DOCKER"}},
    {"id": "/x", "cmd": "x", "container": {"docker": {"image": ""}}},
    {"id": "/x", "cmd": "x", "container": {"volumes": [{"containerPath": "/a"}], "docker": {"image": "i"}}},
    {"id": "/x", "cmd": "x", "env": {"A": 1}},
    {"id": "/x", "cmd": "x", "labels": {"a": ["b"]}},
    {"id": "/x", "cmd": "x", "constraints": [["hostname"]]},
    {"id": "/x", "cmd": "x", "constraints": [[1, 2]]},
    {"id": "/x", "cmd": "x", "constraints": "UNIQUE"},
    {"id": "/x", "cmd": "x", "constraints": [["hostname", "MAX_PER", "many"]]},
    {"id": "/x", "cmd": "x", "instances": 1e30},
    {"id": "/x", "cmd": "x", "instances": 1.5},
    {"id": "/x", "cmd": "x", "cpus": True},
    {"id": "/x", "cmd": "x", "portDefinitions": [{"port": 80}, {"port": 80}]},
    {"id": "/x", "cmd": "x", "ports": [1], "portDefinitions": [{"port": 2}]},
    {"id": "/x", "cmd": "x", "killSelection": "RANDOM"},
    {"id": "/x", "cmd": "x", "args": ["a"]},
    {"id": "/x", "cmd": "", "dependencies": ["/Bad"]},
    {"id": "/x", "cmd": "x", "upgradeStrategy": "fast"},
    {"id": "/x", "cmd": "x", "fetch": [{"executable": True}]},
]


@pytest.mark.parametrize("body", BAD_BODIES, ids=[str(i) for i in range(len(BAD_BODIES))])
def test_bad_bodies_are_refused_without_crashing(marathon, body):
    response = marathon("POST", "/v2/apps", json=body)
    assert response.status_code in (400, 422), response.text
    assert response.json()["message"]
    only_the_id_is_bad = isinstance(body, dict) and body.get("id") in (5, "/")
    if not only_the_id_is_bad:  # PUT takes the id from the path
        assert marathon("PUT", "/v2/apps/x", json=body).status_code in (400, 422)
        assert marathon("GET", "/v2/apps").json() == {"apps": []}


def test_non_finite_numbers_are_refused(marathon):
    response = marathon("POST", "/v2/apps", data='{"id": "/x", "cmd": "x", "cpus": NaN}')
    assert response.status_code == 400
    assert response.json()["details"] == [{"path": "/cpus", "errors": ["error.expected.jsnumber"]}]


def test_full_update_resets_missing_fields_and_group_star_lists_apps(marathon):
    create(marathon, "/grp/one", env={"A": "1"}, instances=2)
    create(marathon, "/grp/two")
    wait_for(marathon.deployments_done)
    response = marathon("PUT", "/v2/apps/grp/one", params={"partialUpdate": "false"}, json={"cmd": "true"})
    assert response.status_code == 200
    app = marathon("GET", "/v2/apps/grp/one").json()["app"]
    assert (app["env"], app["instances"], app["cpus"]) == ({}, 1, 1.0)
    listed = marathon("GET", "/v2/apps/grp/*").json()["*"]
    assert sorted(a["id"] for a in listed) == ["/grp/one", "/grp/two"]
    assert all("tasks" in a for a in listed)


def test_trailing_slash_lists_and_creates(marathon):
    response = marathon("POST", "/v2/apps/", json={"id": "/slash", "cmd": "true", **SMALL})
    assert response.status_code == 201
    assert [a["id"] for a in marathon("GET", "/v2/apps/").json()["apps"]] == ["/slash"]


@pytest.mark.parametrize("secrets", [{"s": "plain"}, {"s": {"source": 5}}, {"s": {}}])
def test_malformed_secrets_are_400(marathon, secrets):
    response = marathon("POST", "/v2/apps", json={"id": "/sec", "cmd": "x", "secrets": secrets})
    assert response.status_code == 400
    assert response.json()["details"] == [{"path": "/secrets/s/source", "errors": ["error.expected.jsstring"]}]
