"""The Marathon client factory and helpers against a small recording HTTP server on 127.0.0.1."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest

from paasta_tools.clients import marathon_client as mc
from paasta_tools.errors import MarathonError
from paasta_tools.marathon.app_dict import marathon_app_body
from tests.conftest import free_port
from tests.integration.http_recorder import Recorder, serve_recorder
from tests.support.golden_apps import build_app, load_case


@pytest.fixture
def marathon() -> Iterator[Recorder]:
    with serve_recorder() as recorder:
        yield recorder


def _golden_app(name: str) -> dict:
    return build_app(load_case(name))


def _as_marathon_returns(body: dict) -> dict:
    """What Marathon 1.4 answers for a created app: the definition plus status fields."""
    task = {
        "id": body["id"].replace(".", "_") + ".uuid1",
        "appId": "/" + body["id"],
        "host": "127.0.0.1",
        "ports": [31000],
        "stagedAt": "2017-03-15T10:18:29.000Z",
        "startedAt": "2017-03-15T10:18:30.000Z",
        "version": "2017-03-15T10:18:28.000Z",
        "healthCheckResults": [{"alive": True, "consecutiveFailures": 0, "instanceId": "x.marathon-uuid1"}],
    }
    return {
        **body,
        "id": "/" + body["id"],
        "tasksStaged": 0,
        "tasksRunning": 1,
        "tasksHealthy": 1,
        "tasksUnhealthy": 0,
        "deployments": [{"id": "d-1"}],
        "tasks": [task],
        "version": "2017-03-15T10:18:28.000Z",
    }


def test_factory_fails_over_sets_user_agent_and_auth(marathon: Recorder) -> None:
    marathon.on("GET", "/v2/apps", body={"apps": []})
    dead = f"http://127.0.0.1:{free_port()}"
    client = mc.get_marathon_client([dead, marathon.url], "admin", "secret2", timeout=5)
    assert mc.list_apps(client) == []
    request = marathon.requests[-1]
    assert request.headers["User-Agent"] == mc.user_agent()
    assert request.headers["User-Agent"].startswith("PaaSTA Tools 0.65")
    assert request.headers["Authorization"] == "Basic " + base64.b64encode(b"admin:secret2").decode()
    assert mc.user_agent("/usr/bin/setup_marathon_job").endswith(" setup_marathon_job")


def test_nested_app_round_trips_through_marathon_python(marathon: Recorder) -> None:
    app_dict = _golden_app("smartstack_http")
    marathon.on("POST", "/v2/apps", func=lambda req: (201, _as_marathon_returns(req.json())))
    client = mc.get_marathon_client(marathon.url)
    mc.create_app(client, app_dict)
    posted = marathon.requests[-1].json()
    assert posted == marathon_app_body(app_dict)
    assert posted["container"]["docker"]["parameters"][-1] == {"key": "label", "value": "paasta_instance=canary_1"}
    assert posted["healthChecks"][0]["path"] == "/health"
    assert posted["constraints"][0] == ["hostname", "MAX_PER", "2"]

    marathon.on("GET", "/v2/apps", body={"apps": [_as_marathon_returns(posted)]})
    (state,) = mc.list_apps(client, embed_tasks=True)
    assert marathon.requests[-1].query["embed"] == ["apps.counts", "apps.tasks", "apps.lastTaskFailure"]
    assert state.id == "/" + app_dict["id"] and state.instances == 3
    assert state.health_checks[0]["protocol"] == "HTTP" and state.deployments == ("d-1",)
    assert state.tasks[0].ports == (31000,) and state.tasks[0].health_alive == (True,)


@pytest.mark.parametrize("name", ["minimal", "host_net_cmd_check_stopped", "routing_tcp"])
def test_pure_post_body_matches_marathon_python(name: str, marathon: Recorder) -> None:
    app_dict = _golden_app(name)
    marathon.on("POST", "/v2/apps", func=lambda req: (201, _as_marathon_returns(req.json())))
    mc.create_app(mc.get_marathon_client(marathon.url), app_dict)
    assert marathon.requests[-1].json() == marathon_app_body(app_dict)


def test_get_app_missing_is_none_and_conflict_propagates(marathon: Recorder) -> None:
    from marathon.exceptions import ConflictError

    client = mc.get_marathon_client(marathon.url)
    assert mc.get_app(client, "/svc.main.gitx.configy") is None
    assert marathon.requests[-1].path == "/v2/apps/svc.main.gitx.configy"
    marathon.on("POST", "/v2/apps", status=409, body={"message": "An app with id [/x] already exists."})
    with pytest.raises(ConflictError):
        mc.create_app(client, _golden_app("minimal"))


def test_kill_given_tasks_scales_and_ignores_invalid_ids(marathon: Recorder) -> None:
    client = mc.get_marathon_client(marathon.url)
    marathon.on("POST", "/v2/tasks/delete", body={"version": "v", "deploymentId": "d"})
    assert mc.kill_given_tasks(client, ["t2", "t1", "t1"]) is True
    request = marathon.requests[-1]
    assert request.json() == {"ids": ["t1", "t2"]}
    assert request.query == {"scale": ["True"], "force": ["True"]}
    marathon.on("POST", "/v2/tasks/delete", status=422, body={"message": "Task id t3 is not valid"})
    assert mc.kill_given_tasks(client, ["t3"]) is False
    count = len(marathon.requests)
    assert mc.kill_given_tasks(client, []) is False
    assert len(marathon.requests) == count


def test_queue_and_unreachable_marathon(marathon: Recorder) -> None:
    app = _as_marathon_returns(marathon_app_body(_golden_app("minimal")))
    app.pop("tasks")
    marathon.on(
        "GET",
        "/v2/queue",
        body={
            "queue": [
                {
                    "app": app,
                    "count": 1,
                    "delay": {"timeLeftSeconds": 12, "overdue": False},
                    "since": "2017-03-15T10:18:28.000Z",
                }
            ]
        },
    )
    (item,) = mc.list_queue(mc.get_marathon_client(marathon.url))
    assert (item.app_id, item.count, item.time_left_seconds, item.overdue) == (app["id"], 1, 12.0, False)
    dead = mc.get_marathon_client(f"http://127.0.0.1:{free_port()}", timeout=2)
    with pytest.raises(MarathonError, match="did not answer"):
        mc.list_apps(dead)


def test_config_without_url_is_a_clear_error() -> None:
    with pytest.raises(MarathonError, match="'marathon_config'"):
        mc.get_marathon_client_from_config({"user": "a"})
    with pytest.raises(MarathonError, match="url"):
        mc.get_marathon_client([])


# --- against the devcluster's Marathon API -------------------------------------------------------


@pytest.fixture
def devcluster_marathon(devcluster_factory):
    handle = devcluster_factory(apis=("marathon",))
    return mc.get_marathon_client(handle.marathon_url, timeout=10)


def test_golden_apps_deploy_scale_kill_and_delete_on_the_devcluster(devcluster_marathon, wait_for) -> None:
    import datetime

    from marathon.exceptions import ConflictError

    from paasta_tools.marathon.deploy_status import MarathonDeployStatus, find_queue_status, get_deploy_status
    from paasta_tools.marathon.happy_tasks import get_happy_tasks_of_app

    client = devcluster_marathon
    minimal, stopped = _golden_app("minimal"), _golden_app("host_net_cmd_check_stopped")
    for app in (minimal, stopped):
        mc.create_app(client, app)
    with pytest.raises(ConflictError):
        mc.create_app(client, minimal)

    minimal_id, stopped_id = "/" + minimal["id"], "/" + stopped["id"]
    wait_for(lambda: [t.started_at is not None for t in mc.get_app(client, minimal_id).tasks] == [True])
    state = mc.get_app(client, minimal_id)
    now = datetime.datetime.now(datetime.UTC)
    assert get_happy_tasks_of_app(state, now) == list(state.tasks)
    assert {a.id for a in mc.list_apps(client)} == {minimal_id, stopped_id}
    wait_for(lambda: get_deploy_status(mc.get_app(client, minimal_id), None) is MarathonDeployStatus.Running)
    queue = mc.list_queue(client)
    assert get_deploy_status(mc.get_app(client, stopped_id), find_queue_status(queue, stopped_id)) is (
        MarathonDeployStatus.Stopped
    )

    mc.scale_app(client, minimal_id, 3)
    wait_for(lambda: len(mc.get_app(client, minimal_id).tasks) == 3)
    victim = mc.get_app(client, minimal_id).tasks[0]
    assert mc.kill_given_tasks(client, [victim.id]) is True
    wait_for(lambda: [t.id for t in mc.get_app(client, minimal_id).tasks if t.id == victim.id] == [])
    assert mc.get_app(client, minimal_id).instances == 2

    mc.delete_app(client, stopped_id)
    wait_for(lambda: mc.get_app(client, stopped_id) is None)
    assert get_deploy_status(mc.get_app(client, stopped_id), None) is MarathonDeployStatus.NotRunning
