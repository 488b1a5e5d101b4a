"""Engine behaviour of the devcluster Marathon: backoff and queue, rolling restarts, health-driven
replacement, deployment cancel, resources, restart durability and the event stream."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Mapping

import pytest
import requests

from paasta_tools.devcluster.executors.base import TaskSpec, TaskState, TaskStatus
from paasta_tools.devcluster.executors.noop import NoopExecutor
from tests.integration.devcluster.test_marathon_apps import Api, create, validating_client, wait_for, wait_running


class ScriptedExecutor(NoopExecutor):
    """The no-op executor, plus: apps whose launches fail, COMMAND checks that fail, capacity tracking."""

    def __init__(self) -> None:
        super().__init__()
        self.failing_apps: dict[str, int] = {}  # app id -> launches still to fail
        self.launches: list[TaskSpec] = []
        self.specs: dict[str, TaskSpec] = {}
        self.running_after_kill: list[int] = []
        self.running_after_launch: list[int] = []
        self.lock = threading.Lock()

    def _running(self, app_id: str) -> int:
        return sum(
            1
            for task_id, status in self._tasks.items()
            if status.state == TaskState.RUNNING and self.specs[task_id].name == app_id
        )

    async def launch(self, spec: TaskSpec) -> None:
        with self.lock:
            self.launches.append(spec)
            self.specs[spec.task_id] = spec
            if self.failing_apps.get(spec.name, 0) > 0:
                self.failing_apps[spec.name] -= 1
                now = time.time()
                self._tasks[spec.task_id] = TaskStatus(TaskState.FAILED, 1, "exited with 1", now, now)
                return
        await super().launch(spec)
        self.running_after_launch.append(self._running(spec.name))

    async def kill(self, task_id: str, grace_seconds: float = 3.0) -> None:
        await super().kill(task_id, grace_seconds)
        spec = self.specs.get(task_id)
        if spec is not None:
            self.running_after_kill.append(self._running(spec.name))

    async def run_command_check(self, task_id: str, command: str, timeout: float) -> tuple[int, str]:
        return (0, "ok") if command == "true" else (1, "failed")

    async def recover(self, specs: list[TaskSpec]) -> Mapping[str, TaskStatus]:
        for spec in specs:
            self.specs[spec.task_id] = spec
        return await super().recover(specs)


@pytest.fixture
def executor():
    return ScriptedExecutor()


@pytest.fixture
def handle(devcluster_factory, executor):
    return devcluster_factory(executor=executor, apis=("marathon",))


def _queue(marathon: Api) -> list[dict]:
    return marathon("GET", "/v2/queue").json()["queue"]


def test_failed_tasks_back_off_and_the_delay_can_be_reset(marathon, client, executor):
    executor.failing_apps["/flaky"] = 3
    create(marathon, "/flaky", backoffSeconds=1, backoffFactor=20, maxLaunchDelaySeconds=30)
    item = wait_for(lambda: [q for q in _queue(marathon) if q["delay"]["timeLeftSeconds"] > 5], timeout=5)[0]
    assert 15 <= item["delay"]["timeLeftSeconds"] <= 20 and item["delay"]["overdue"] is False
    assert item["count"] == 1 and item["app"]["id"] == "/flaky"
    assert len(executor.launches) == 2
    failure = client.get_app("/flaky").last_task_failure
    assert (failure.state, failure.message, failure.app_id) == ("TASK_FAILED", "exited with 1", "/flaky")
    assert client.list_queue()[0].app.id == "/flaky"
    assert marathon("DELETE", "/v2/queue//flaky/delay").status_code == 204
    wait_for(lambda: len(executor.launches) == 3)
    wait_running(client, "/flaky", 1, timeout=5)
    assert wait_for(lambda: _queue(marathon) == [])
    missing = marathon("DELETE", "/v2/queue/flaky/delay")
    assert missing.status_code == 404
    assert missing.json() == {"message": "Application /flaky not found in tasks queue."}


def test_rolling_restart_honours_minimum_health_capacity(marathon, client, executor):
    strategy = {"minimumHealthCapacity": 0.5, "maximumOverCapacity": 0.0}
    create(marathon, "/roll", instances=4, upgradeStrategy=strategy)
    old = {t.id for t in wait_running(client, "/roll", 4).tasks}
    wait_for(marathon.deployments_done)
    executor.running_after_kill.clear()
    executor.running_after_launch.clear()
    marathon("PUT", "/v2/apps/roll", json={"cmd": "sleep 2000"})
    wait_for(marathon.deployments_done)
    tasks = client.get_app("/roll").tasks
    assert len(tasks) == 4 and not {t.id for t in tasks} & old
    assert min(executor.running_after_kill) >= 2
    assert max(executor.running_after_launch) <= 4


def test_restart_waits_for_new_tasks_to_be_healthy(marathon, client, executor):
    check = {
        "protocol": "COMMAND",
        "command": {"value": "true"},
        "intervalSeconds": 1,
        "gracePeriodSeconds": 0,
        "delaySeconds": 0,
    }
    create(marathon, "/hc", instances=2, healthChecks=[check])
    wait_for(lambda: client.get_app("/hc").tasks_healthy == 2, timeout=10)
    raw = marathon("GET", "/v2/apps/hc/tasks").json()["tasks"][0]["healthCheckResults"][0]
    assert raw["alive"] is True and raw["consecutiveFailures"] == 0
    assert raw["instanceId"].startswith("hc.marathon-")
    wait_for(marathon.deployments_done)
    old = {t.id for t in client.get_app("/hc").tasks}
    failing = {**check, "command": {"value": "false"}, "maxConsecutiveFailures": 0}
    deployment = marathon("PUT", "/v2/apps/hc", json={"healthChecks": [failing]}).json()["deploymentId"]
    wait_for(lambda: client.get_app("/hc").tasks_unhealthy == 2, timeout=10)
    app = client.get_app("/hc")
    assert old <= {t.id for t in app.tasks} and len(app.tasks) == 4
    assert [d["id"] for d in marathon("GET", "/v2/deployments").json()] == [deployment]
    revert = marathon("DELETE", f"/v2/deployments/{deployment}")
    assert revert.status_code == 200
    wait_for(marathon.deployments_done, timeout=10)
    app = client.get_app("/hc")
    assert app.health_checks[0].command == {"value": "true"}
    assert app.tasks_healthy == 2


def test_force_cancel_keeps_the_new_definition(marathon, client):
    check = {"protocol": "COMMAND", "command": {"value": "false"}, "intervalSeconds": 1, "gracePeriodSeconds": 60}
    create(marathon, "/stuck", healthChecks=[check])
    deployment = marathon("GET", "/v2/deployments").json()[0]["id"]
    cancelled = marathon("DELETE", f"/v2/deployments/{deployment}", params={"force": "true"})
    assert cancelled.status_code == 202 and cancelled.text == ""
    assert marathon("GET", "/v2/deployments").json() == []
    assert client.get_app("/stuck").health_checks[0].command == {"value": "false"}
    missing = marathon("DELETE", f"/v2/deployments/{deployment}")
    assert missing.json() == {"message": f"DeploymentPlan {deployment} does not exist"}


def test_unhealthy_tasks_are_killed_and_replaced(marathon, client):
    check = {
        "protocol": "COMMAND",
        "command": {"value": "false"},
        "delaySeconds": 0,
        "intervalSeconds": 0,
        "gracePeriodSeconds": 0,
        "maxConsecutiveFailures": 1,
    }
    create(marathon, "/sick", healthChecks=[check])
    first = wait_running(client, "/sick", 1).tasks[0].id
    wait_for(lambda: first not in {t.id for t in client.get_app("/sick").tasks}, timeout=10)
    wait_for(lambda: client.get_app("/sick").tasks, timeout=10)
    assert client.get_app("/sick").last_task_failure is None


def test_tasks_wait_for_agent_resources(handle, marathon):
    cpus = handle.cluster.agent.cpus * 0.6
    create(marathon, "/big", instances=2, cpus=cpus)
    item = wait_for(lambda: _queue(marathon), timeout=5)[0]
    assert item["count"] == 1
    wait_for(lambda: marathon("GET", "/v2/apps/big").json()["app"]["tasksRunning"] == 1)
    time.sleep(0.3)
    assert _queue(marathon)[0]["count"] == 1


def test_launched_tasks_get_marathon_environment(marathon, client, executor):
    docker = {"image": "busybox", "network": "BRIDGE", "portMappings": [{"containerPort": 8888, "name": "http"}]}
    create(
        marathon, "/env/app", container={"type": "DOCKER", "docker": docker}, labels={"team": "core"}, env={"A": "1"}
    )
    task = wait_running(client, "/env/app", 1).tasks[0]
    spec = executor.specs[task.id]
    host_port = str(task.ports[0])
    assert spec.docker.image == "busybox" and spec.docker.network == "BRIDGE"
    assert spec.port_mappings[0].container_port == 8888 and spec.port_mappings[0].host_port == task.ports[0]
    env = spec.env
    assert env["A"] == "1"
    assert (env["PORT0"], env["PORT"], env["PORTS"], env["PORT_8888"], env["PORT_HTTP"]) == (host_port,) * 5
    assert env["MARATHON_APP_ID"] == "/env/app" and env["MESOS_TASK_ID"] == task.id
    assert env["MARATHON_APP_VERSION"] == task.version
    assert env["MARATHON_APP_DOCKER_IMAGE"] == "busybox"
    assert (env["MARATHON_APP_RESOURCE_CPUS"], env["MARATHON_APP_RESOURCE_MEM"]) == ("0.01", "8.0")
    assert env["MARATHON_APP_LABELS"] == "TEAM" and env["MARATHON_APP_LABEL_TEAM"] == "core"
    assert env["HOST"] == task.host


def test_restart_of_the_devcluster_keeps_apps_tasks_and_deployments(devcluster_factory, tmp_path):
    data_dir = tmp_path / "durable"
    first = devcluster_factory(apis=("marathon",), data_dir=data_dir)
    api, client = Api(first.marathon_url), validating_client(first.marathon_url)
    create(api, "/kept", instances=2)
    create(api, "/pending", healthChecks=[{"protocol": "COMMAND", "command": {"value": "false"}}])
    check = {"protocol": "COMMAND", "command": {"value": "true"}, "delaySeconds": 0, "intervalSeconds": 1}
    create(api, "/checked", healthChecks=[check])
    wait_for(lambda: client.get_app("/checked").tasks_healthy == 1)
    tasks = {t.id for t in wait_running(client, "/kept", 2).tasks}
    client.scale_app("/kept", 2, force=True)
    versions = client.list_versions("/kept")
    wait_for(lambda: [d["affectedApps"] for d in api("GET", "/v2/deployments").json()] == [["/pending"]])
    deployments = {d["id"]: d["affectedApps"] for d in api("GET", "/v2/deployments").json()}
    first.stop()
    second = devcluster_factory(apis=("marathon",), data_dir=data_dir)
    api, client = Api(second.marathon_url), validating_client(second.marathon_url)
    assert sorted(a.id for a in client.list_apps()) == ["/checked", "/kept", "/pending"]
    wait_for(lambda: client.get_app("/checked").tasks_healthy == 1)
    assert {t.id for t in wait_running(client, "/kept", 2).tasks} == tasks
    assert client.list_versions("/kept") == versions
    assert {d["id"]: d["affectedApps"] for d in api("GET", "/v2/deployments").json()} == deployments
    assert create(api, "/after").json()["ports"] == [10003]


def test_event_stream_reports_api_and_deployment_events(marathon):
    response = requests.get(
        marathon.url + "/v2/events", stream=True, headers={"Accept": "text/event-stream"}, timeout=10
    )
    assert response.headers["Content-Type"].startswith("text/event-stream")
    lines = response.iter_lines(decode_unicode=True)
    seen: list[str] = []
    create(marathon, "/evented")
    deadline = time.monotonic() + 10
    for line in lines:
        if line.startswith("data: "):
            event = json.loads(line[len("data: ") :])
            seen.append(event["eventType"])
            assert "timestamp" in event
        if "deployment_success" in seen or time.monotonic() > deadline:
            break
    response.close()
    assert seen[0] == "event_stream_attached"
    assert {"api_post_event", "deployment_info", "status_update_event", "deployment_success"} <= set(seen)


def test_http_health_check_runs_against_the_task_host_port(devcluster_factory):
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    paths: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            paths.append(self.path)
            self.send_response(200 if self.path == "/status" else 500)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        handle = devcluster_factory(apis=("marathon",))
        api, client = Api(handle.marathon_url), validating_client(handle.marathon_url)
        check = {"protocol": "HTTP", "path": "/status", "intervalSeconds": 1, "gracePeriodSeconds": 0}
        # requirePorts: the declared port is the task's host port, here the port the test server holds.
        create(api, "/web", healthChecks=[check], portDefinitions=[{"port": port}], requirePorts=True)
        app = wait_for(lambda: (a := client.get_app("/web")).tasks_healthy == 1 and a, timeout=10)
        assert app.tasks[0].ports == [port]
        assert "/status" in paths
        result = api("GET", "/v2/apps/web").json()["app"]["tasks"][0]["healthCheckResults"][0]
        assert result["alive"] is True and result["lastSuccess"] and result["lastFailure"] is None
        wait_for(api.deployments_done)
    finally:
        server.shutdown()


def test_event_stream_filters_by_event_type(marathon):
    params = {"event_type": "deployment_success"}
    response = requests.get(marathon.url + "/v2/events", params=params, stream=True, timeout=10)
    lines = response.iter_lines(decode_unicode=True)
    create(marathon, "/filtered")
    types = []
    for line in lines:
        if line.startswith("event: "):
            types.append(line[len("event: ") :])
            break
    response.close()
    assert types == ["deployment_success"]


def test_constraints_hold_tasks_back_on_the_single_agent(marathon, client):
    create(marathon, "/unique", instances=2, constraints=[["hostname", "UNIQUE"]])
    create(marathon, "/elsewhere", constraints=[["pool", "LIKE", "batch"]])
    wait_running(client, "/unique", 1)
    queue = {
        item["app"]["id"]: item["count"] for item in wait_for(lambda: len(_queue(marathon)) == 2 and _queue(marathon))
    }
    assert queue == {"/unique": 1, "/elsewhere": 1}
    assert client.get_app("/elsewhere").tasks == []


def _events_until(marathon: Api, wanted: str, action, timeout: float = 15) -> list[dict]:
    response = requests.get(marathon.url + "/v2/events", stream=True, timeout=timeout)
    events: list[dict] = []
    try:
        lines = response.iter_lines(decode_unicode=True)
        action()
        deadline = time.monotonic() + timeout
        for line in lines:
            if line.startswith("data: "):
                events.append(json.loads(line[len("data: ") :]))
                if events[-1]["eventType"] == wanted or time.monotonic() > deadline:
                    break
    finally:
        response.close()
    return events


def test_health_events_on_the_stream(marathon):
    check = {
        "protocol": "COMMAND",
        "command": {"value": "false"},
        "delaySeconds": 0,
        "intervalSeconds": 0,
        "gracePeriodSeconds": 0,
        "maxConsecutiveFailures": 1,
    }
    events = _events_until(
        marathon, "unhealthy_instance_kill_event", lambda: create(marathon, "/ill", healthChecks=[check])
    )
    by_type = {e["eventType"]: e for e in events}
    kill = by_type["unhealthy_instance_kill_event"]
    assert kill["appId"] == "/ill" and kill["instanceId"] == kill["taskId"].replace("ill.", "ill.marathon-")
    assert by_type["failed_health_check_event"]["healthCheck"]["protocol"] == "COMMAND"
    assert by_type["health_status_changed_event"]["alive"] is False
    deleted = _events_until(marathon, "app_terminated_event", lambda: marathon("DELETE", "/v2/apps/ill"))
    assert deleted[-1] == {**deleted[-1], "eventType": "app_terminated_event", "appId": "/ill"}


def test_other_frameworks_tasks_use_agent_resources(handle, marathon, client):
    class Busy:
        framework_id = "other-0000"
        name = "chronos"

        def mesos_tasks(self):
            return [{"id": "ct:1:0:job", "resources": {"cpus": handle.cluster.agent.cpus - 0.05, "mem": 64.0}}]

        def completed_mesos_tasks(self):
            return []

    handle.cluster.register_framework(Busy())
    create(marathon, "/squeezed", instances=2, cpus=0.04)
    wait_running(client, "/squeezed", 1)
    assert wait_for(lambda: _queue(marathon))[0]["count"] == 1


def test_marathon_python_event_stream_parses_every_event(marathon, client):
    seen: list[object] = []
    failures: list[BaseException] = []

    def consume() -> None:
        try:
            for event in client.event_stream():
                seen.append(event)
                if event.event_type == "deployment_success":
                    return
        except BaseException as exc:  # reported by the assertion below
            failures.append(exc)

    consumer = threading.Thread(target=consume, daemon=True)
    consumer.start()
    wait_for(lambda: seen)
    create(marathon, "/streamed", instances=2)
    consumer.join(10)
    assert failures == []
    types = [e.event_type for e in seen]
    assert types[0] == "event_stream_attached" and types[-1] == "deployment_success"
    info = next(e for e in seen if e.event_type == "deployment_info")
    assert info.plan.target.apps[0]["id"] == "/streamed"
    assert [a.action for a in info.plan.steps[-1].actions] == ["ScaleApplication"]
