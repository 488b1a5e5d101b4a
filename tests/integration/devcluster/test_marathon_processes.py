"""The devcluster Marathon with real local processes: health over real HTTP, crash replacement with backoff,
kills, and a config change rolled out to new processes."""

from __future__ import annotations

import os
import random
import signal
import socket
import sys
from pathlib import Path

import pytest

from paasta_tools.devcluster.executors.process import ProcessExecutor
from tests.integration.devcluster.test_marathon_apps import Api, create, validating_client, wait_for

SERVER = f"{sys.executable} -m http.server --bind 127.0.0.1 $PORT0"


def free_port_range(size: int = 20) -> tuple[int, int]:
    """Host ports for the agent that nothing on this shared machine listens on (other clusters use 31000+)."""
    for _ in range(100):
        low = random.randrange(61000, 65000)  # above the ephemeral range outgoing connections use
        if all(_port_is_free(port) for port in range(low, low + size)):
            return low, low + size - 1
    raise AssertionError("no free port range found")


def _port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@pytest.fixture
def handle(devcluster_factory, tmp_path):
    executor = ProcessExecutor(tmp_path / "processes")
    return devcluster_factory(executor=executor, apis=("marathon",), port_range=free_port_range())


def _pids_of_task(task_id: str) -> list[int]:
    """Processes whose environment carries ``MESOS_TASK_ID=<task_id>``, as Marathon injected it."""
    marker = f"MESOS_TASK_ID={task_id}".encode()
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker in (entry / "environ").read_bytes().split(b"\0"):
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def _healthy(client, app_id: str, count: int):
    def check():
        app = client.get_app(app_id)
        return app if app.tasks_healthy == count and len(app.tasks) == count else None

    return check


def test_http_app_becomes_healthy_and_a_killed_process_is_replaced(marathon, client):
    check = {"protocol": "HTTP", "path": "/", "intervalSeconds": 1, "gracePeriodSeconds": 10}
    create(marathon, "/web", cmd=SERVER, healthChecks=[check], backoffSeconds=1)
    app = wait_for(_healthy(client, "/web", 1), timeout=20)
    task = app.tasks[0]
    result = marathon("GET", "/v2/apps/web/tasks").json()["tasks"][0]["healthCheckResults"][0]
    assert result["alive"] is True and result["consecutiveFailures"] == 0
    pids = _pids_of_task(task.id)
    assert pids
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    wait_for(lambda: task.id not in {t.id for t in client.get_app("/web").tasks}, timeout=10)
    replacement = wait_for(_healthy(client, "/web", 1), timeout=20).tasks[0]
    assert replacement.id != task.id
    failure = client.get_app("/web").last_task_failure
    assert failure.task_id == task.id and failure.state == "TASK_FAILED"


def test_config_change_replaces_processes_after_new_ones_are_healthy(marathon, client):
    check = {"protocol": "HTTP", "path": "/", "intervalSeconds": 1, "gracePeriodSeconds": 10}
    create(marathon, "/roll", cmd=SERVER, instances=2, healthChecks=[check])
    old = {t.id for t in wait_for(_healthy(client, "/roll", 2), timeout=20).tasks}
    wait_for(marathon.deployments_done, timeout=10)
    marathon("PUT", "/v2/apps/roll", json={"env": {"GENERATION": "2"}})
    wait_for(marathon.deployments_done, timeout=30)
    new = wait_for(_healthy(client, "/roll", 2), timeout=10).tasks
    assert not {t.id for t in new} & old
    assert marathon("GET", "/v2/apps/roll").json()["app"]["tasksHealthy"] == 2


def test_restart_reattaches_to_processes_still_running(tmp_path):
    from paasta_tools.devcluster.cluster import Cluster, DevclusterSettings
    from paasta_tools.devcluster.server import start_in_thread
    from tests.conftest import free_port

    ports = free_port_range()

    def start(kill_on_stop: bool):
        settings = DevclusterSettings(
            data_dir=tmp_path / "cluster",
            marathon_port=free_port(),
            chronos_port=free_port(),
            mesos_port=free_port(),
            reconcile_interval=0.1,
            port_range=ports,
        )
        cluster = Cluster(settings, ProcessExecutor(tmp_path / "cluster"))
        return start_in_thread(cluster, kill_tasks_on_stop=kill_on_stop, apis=("marathon",))

    first = start(kill_on_stop=False)
    try:
        api, client = Api(first.marathon_url), validating_client(first.marathon_url)
        create(api, "/durable", cmd=SERVER, instances=2)
        tasks = wait_for(lambda: (a := client.get_app("/durable")).tasks_running == 2 and a.tasks, timeout=20)
        pids = {t.id: _pids_of_task(t.id) for t in tasks}
    finally:
        first.stop()
    second = start(kill_on_stop=True)
    try:
        client = validating_client(second.marathon_url)
        recovered = wait_for(lambda: (a := client.get_app("/durable")).tasks_running == 2 and a.tasks, timeout=20)
        assert {t.id for t in recovered} == set(pids)
        assert {t.id: _pids_of_task(t.id) for t in recovered} == pids
        assert [t.ports for t in recovered] == [t.ports for t in tasks]
    finally:
        second.stop()
    wait_for(lambda: all(not _pids_of_task(task_id) for task_id in pids), timeout=10)
