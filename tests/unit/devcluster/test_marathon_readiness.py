"""Pure parts of the devcluster Marathon's readiness checks and TASK_KILLING: which port a check asks,
the result JSON, when a task counts as ready for a deployment, and the counts of killing tasks."""

from __future__ import annotations

import pytest

from paasta_tools.devcluster.marathon.errors import MarathonApiError
from paasta_tools.devcluster.marathon.model import normalize_app
from paasta_tools.devcluster.marathon.planning import deploying_versions, is_ready, plan_replace
from paasta_tools.devcluster.marathon.readiness import readiness_port, result_json, results_json
from paasta_tools.devcluster.marathon.state import (
    Action,
    App,
    Deployment,
    HealthResult,
    MarathonState,
    ReadinessResult,
    Task,
)
from paasta_tools.devcluster.marathon.views import counts, deployment_json
from paasta_tools.devcluster.store import Store

CHECK = {"name": "warm", "portName": "http", "path": "/ready", "intervalSeconds": 1}


def _definition(**fields) -> dict:
    body = {
        "id": "/r",
        "cmd": "x",
        "portDefinitions": [{"port": 0, "name": "admin"}, {"port": 0, "name": "http"}],
        "readinessChecks": [CHECK],
        **fields,
    }
    return normalize_app(body)


def _task(task_id: str, version: str, definition: dict, state: str = "TASK_RUNNING") -> Task:
    task = Task(task_id, "/r", version, version, [31001, 31002], definition)
    task.state = state
    return task


def _ready(task: Task, *ready: bool) -> Task:
    task.readiness = []
    for value in ready:
        result = ReadinessResult("warm", 0.0)
        result.checked, result.ready = True, value
        task.readiness.append(result)
    return task


def test_the_check_asks_the_host_port_of_its_port_name():
    assert readiness_port(_definition(), [31001, 31002], "http") == 31002
    with pytest.raises(ValueError, match="portName 'web' names no port of the task.*'admin', 'http'"):
        readiness_port(_definition(), [31001, 31002], "web")


def test_docker_bridge_port_names_are_the_mapping_names():
    docker = {
        "image": "img",
        "network": "BRIDGE",
        "portMappings": [
            {"containerPort": 80, "hostPort": 0, "name": "web"},
            {"containerPort": 8080, "hostPort": 0, "name": "http"},
        ],
    }
    definition = _definition(container={"type": "DOCKER", "docker": docker}, portDefinitions=None)
    assert readiness_port(definition, [31005, 31006], "http") == 31006


def test_result_json_has_the_last_response_only_when_preserved():
    result = ReadinessResult("warm", 0.0)
    assert result_json(result, "r.1") == {"name": "warm", "taskId": "r.1", "ready": False}
    result.response = (503, "text/plain", "warming up")
    assert result_json(result, "r.1")["lastResponse"] == {
        "status": 503,
        "contentType": "text/plain",
        "body": "warming up",
    }


def test_results_list_only_checked_results_of_the_deployment_version():
    definition = _definition()
    unchecked = _task("r.1", "v2", definition)
    unchecked.readiness = [ReadinessResult("warm", 0.0)]
    tasks = [_ready(_task("r.2", "v2", definition), False), _ready(_task("r.3", "v1", definition), True), unchecked]
    assert [r["taskId"] for r in results_json(tasks, "v2")] == ["r.2"]
    assert [r["taskId"] for r in results_json(tasks)] == ["r.2", "r.3"]


def test_a_task_of_a_deploying_version_is_ready_only_once_every_check_passed():
    definition = _definition()
    deploying = frozenset({"v2"})
    assert not is_ready(_task("r.1", "v2", definition), False, deploying)  # no result yet
    assert not is_ready(_ready(_task("r.1", "v2", definition), True, False), False, deploying)
    assert is_ready(_ready(_task("r.1", "v2", definition), True, True), False, deploying)
    assert is_ready(_task("r.1", "v1", definition), False, deploying)  # started before the deployment
    assert not is_ready(_ready(_task("r.1", "v2", definition, "TASK_KILLING"), True), False, deploying)


def test_health_checks_come_first():
    definition = _definition(healthChecks=[{"protocol": "TCP"}])
    task = _ready(_task("r.1", "v2", definition), True)
    assert not is_ready(task, True, frozenset({"v2"}))  # no health result yet
    task.health = [HealthResult(0.0)]
    task.health[0].alive, task.health[0].last_success = True, 1.0
    assert is_ready(task, True, frozenset({"v2"}))


def test_a_rolling_restart_kills_no_old_task_while_the_new_one_is_not_ready():
    definition = _definition()
    app = App(definition, "v2")
    app.gen = "v2"
    old, new = _task("r.0", "v1", definition), _task("r.1", "v2", definition)
    app.tasks = {old.id: old, new.id: new}
    assert plan_replace(app, frozenset({"v2"})) == (0, [])
    _ready(new, True)
    assert plan_replace(app, frozenset({"v2"})) == (0, [old])


def test_deploying_versions_and_deployment_json_show_the_current_action_results():
    state = MarathonState(Store(None))
    definition = _definition()
    app = state.apps["/r"] = App(definition, "v2")
    app.tasks = {
        "r.1": _ready(_task("r.1", "v2", definition), False),
        "r.0": _ready(_task("r.0", "v1", definition), True),
    }
    steps = [[{"action": Action.RESTART, "app": "/r"}]]
    state.deployments["d"] = Deployment("d", "v2", ["/r"], steps)
    assert deploying_versions(app, state) == {"v2"}
    (action,) = deployment_json(state.deployments["d"], state)["currentActions"]
    assert action["readinessCheckResults"] == [{"name": "warm", "taskId": "r.1", "ready": False}]
    later = Deployment("e", "v3", ["/other", "/r"], [[{"action": Action.SCALE, "app": "/other"}], *steps])
    state.deployments = {"e": later}
    assert deploying_versions(app, state) == frozenset()  # the app's step is not the current one yet
    later.current_step = 2
    assert deploying_versions(app, state) == {"v3"}
    app.definition = normalize_app({"id": "/r", "cmd": "x"})
    assert deploying_versions(app, state) == frozenset()  # no readiness checks: nothing to wait for


def test_a_killing_task_counts_neither_as_running_nor_healthy():
    definition = _definition(healthChecks=[{"protocol": "TCP"}])
    app = App(definition, "v1")
    for task_id, state in (("r.1", "TASK_RUNNING"), ("r.2", "TASK_KILLING")):
        task = _task(task_id, "v1", definition, state)
        task.health = [HealthResult(0.0)]
        task.health[0].alive, task.health[0].last_success = True, 1.0
        app.tasks[task_id] = task
    assert counts(app) == {"tasksStaged": 0, "tasksRunning": 1, "tasksHealthy": 1, "tasksUnhealthy": 0}


def test_a_readiness_check_must_name_a_port_of_the_app():
    with pytest.raises(MarathonApiError) as raised:
        normalize_app({"id": "/r", "cmd": "x", "readinessChecks": [{"portName": "web"}]})
    assert raised.value.status == 422
    assert raised.value.body["details"] == [
        {"path": "/readinessChecks(0)/portName", "errors": ["No port definition reference for portName web"]}
    ]
    docker = {"image": "img", "network": "BRIDGE", "portMappings": [{"containerPort": 80, "name": "web"}]}
    app = normalize_app(
        {"id": "/r", "container": {"type": "DOCKER", "docker": docker}, "readinessChecks": [{"portName": "web"}]}
    )
    assert app["readinessChecks"][0]["portName"] == "web"
