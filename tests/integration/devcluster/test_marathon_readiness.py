"""Readiness checks on the devcluster Marathon with real processes: a deployment waits until the new
task's readiness endpoint answers ready, the results show in /v2/deployments and embed=apps.readiness,
a rolling restart keeps the old task until the new one is ready, and the results go with the deployment."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from paasta_tools.devcluster.executors.process import ProcessExecutor
from tests.integration.devcluster.test_marathon_apps import create, wait_for
from tests.integration.devcluster.test_marathon_processes import free_port_range

# Serves 200 on every path, except /ready: 503 "warming up" until the file $READY_FILE exists, then 200 "ready".
READY_SERVER = """
import http.server, os

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        ready = self.path != "/ready" or os.path.exists(os.environ["READY_FILE"])
        body = b"ready" if ready else b"warming up"
        self.send_response(200 if ready else 503)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

http.server.HTTPServer(("127.0.0.1", int(os.environ["PORT_HTTP"])), Handler).serve_forever()
"""

CHECK = {
    "name": "warm",
    "protocol": "HTTP",
    "path": "/ready",
    "portName": "http",
    "intervalSeconds": 1,
    "timeoutSeconds": 1,
    "httpStatusCodesForReady": [200],
    "preserveLastResponse": True,
}


@pytest.fixture
def handle(devcluster_factory, tmp_path):
    executor = ProcessExecutor(tmp_path / "processes")
    return devcluster_factory(executor=executor, apis=("marathon",), port_range=free_port_range())


@pytest.fixture
def server(tmp_path) -> Path:
    script = tmp_path / "ready_server.py"
    script.write_text(READY_SERVER)
    return script


def _app(server: Path, ready_file: Path, **fields) -> dict:
    return {
        "cmd": f"{sys.executable} {server}",
        "portDefinitions": [{"port": 0, "name": "metrics"}, {"port": 0, "name": "http"}],
        "readinessChecks": [CHECK],
        "env": {"READY_FILE": str(ready_file)},
        **fields,
    }


def _current_results(client, answered: bool = False) -> list[dict] | None:
    """The readiness results of the only deployment's only current action, once there is one
    (with ``answered``: once the task's server answered, before it listens a check gets no response)."""
    deployments = client.list_deployments()
    if len(deployments) != 1:
        return None
    (action,) = deployments[0].current_actions
    results = action.readiness_check_results or []
    if answered and not all("lastResponse" in r for r in results):
        return None
    return results or None


def test_a_deployment_waits_for_the_new_task_to_be_ready(marathon, client, server, tmp_path):
    ready_file = tmp_path / "ready-1"
    create(marathon, "/warm", **_app(server, ready_file))
    (result,) = wait_for(lambda: _current_results(client, answered=True), timeout=20)
    task = client.get_app("/warm").tasks[0]
    assert result == {
        "name": "warm",
        "taskId": task.id,
        "ready": False,
        "lastResponse": {"status": 503, "contentType": "text/plain", "body": "warming up"},
    }
    (app,) = client.list_apps(embed_readiness=True)
    assert app.readiness_check_results == [result]
    assert app.tasks_running == 1 and len(client.list_deployments()) == 1

    ready_file.touch()
    wait_for(marathon.deployments_done, timeout=10)
    (app,) = client.list_apps(embed_readiness=True)
    assert app.readiness_check_results == []  # the results went with the deployment
    assert [t.id for t in client.get_app("/warm").tasks] == [task.id]


def test_a_rolling_restart_keeps_the_old_task_until_the_new_one_is_ready(marathon, client, server, tmp_path):
    first, second = tmp_path / "ready-1", tmp_path / "ready-2"
    first.touch()
    create(marathon, "/roll", **_app(server, first))
    wait_for(marathon.deployments_done, timeout=20)
    (old,) = client.get_app("/roll").tasks

    marathon("PUT", "/v2/apps/roll", json={"env": {"READY_FILE": str(second)}})
    (result,) = wait_for(lambda: _current_results(client), timeout=20)
    assert result["ready"] is False and result["taskId"] != old.id
    tasks = {t["id"]: t["state"] for t in marathon("GET", "/v2/apps/roll/tasks").json()["tasks"]}
    assert tasks == {old.id: "TASK_RUNNING", result["taskId"]: "TASK_RUNNING"}

    second.touch()
    wait_for(marathon.deployments_done, timeout=15)
    assert [t.id for t in client.get_app("/roll").tasks] == [result["taskId"]]


def test_readiness_checks_start_only_once_the_task_is_healthy(marathon, client, server, tmp_path):
    ready_file = tmp_path / "ready"
    # The health check asks /ready too: the task is running but never healthy until the file exists.
    health = {"protocol": "HTTP", "path": "/ready", "portIndex": 1, "intervalSeconds": 1, "gracePeriodSeconds": 60}
    create(marathon, "/both", **_app(server, ready_file, healthChecks=[health]))
    wait_for(lambda: client.get_app("/both").tasks_running == 1, timeout=20)
    time.sleep(2.5)  # more than two readiness intervals
    assert _current_results(client) is None and client.get_app("/both").tasks_healthy == 0
    ready_file.touch()
    wait_for(marathon.deployments_done, timeout=10)
    assert client.get_app("/both").tasks_healthy == 1
