"""paasta_execute_docker_command against a devcluster Marathon task running in a busybox container."""

from __future__ import annotations

import pytest
import requests

from paasta_tools.devcluster.executors.docker import DockerExecutor, devcluster_id, remove_devcluster_containers
from paasta_tools.scripts import paasta_execute_docker_command as script
from tests.integration.devcluster.test_marathon_processes import free_port_range

pytestmark = pytest.mark.docker

APP = {
    "id": "/svc.main.gitaaaaaaaa.config11111111",
    "cmd": "echo ready > /tmp/state && exec sleep 300",
    "instances": 1,
    "cpus": 0.01,
    "mem": 32,
    "container": {"type": "DOCKER", "docker": {"image": "busybox:latest", "network": "BRIDGE"}},
}


@pytest.fixture(scope="module")
def task_id(docker_engine, tmp_path_factory):
    """The id of a running busybox task, the devcluster started once for this module's tests."""
    import contextlib

    from paasta_tools.devcluster.cluster import Cluster, DevclusterSettings
    from paasta_tools.devcluster.server import start_in_thread
    from tests.conftest import free_port

    data_dir = tmp_path_factory.mktemp("exec-cluster")
    settings = DevclusterSettings(
        data_dir=data_dir,
        marathon_port=free_port(),
        chronos_port=free_port(),
        mesos_port=free_port(),
        reconcile_interval=0.1,
        port_range=free_port_range(),
    )
    running = start_in_thread(Cluster(settings, DockerExecutor(data_dir)), apis=("marathon",))
    try:
        requests.post(f"{running.marathon_url}/v2/apps", json=APP, timeout=5).raise_for_status()
        from tests.support.waiting import wait_for

        def started():
            app = requests.get(f"{running.marathon_url}/v2/apps{APP['id']}", timeout=5).json()["app"]
            tasks = [t for t in app.get("tasks", []) if t.get("state") == "TASK_RUNNING"]
            return tasks[0]["id"] if tasks else None

        task = wait_for(started, timeout=60)
        yield task
    finally:
        with contextlib.suppress(Exception):
            running.stop()
        remove_devcluster_containers(devcluster_id(data_dir))


def test_runs_the_command_in_the_task_container_and_exits_with_its_code(task_id, capfd):
    assert script.main(["-i", task_id, "-c", "cat /tmp/state; echo $MESOS_TASK_ID"]) == 0
    assert capfd.readouterr().out == f"ready\n{task_id}\n"
    assert script.main(["-i", task_id, "-c", "echo failing >&2; exit 3"]) == 3
    assert "failing" in capfd.readouterr().out


def test_a_command_running_too_long_times_out(task_id, capfd):
    assert script.main(["-i", task_id, "-c", "sleep 5", "-t", "1"]) == 1
    assert capfd.readouterr().out == "Command timed out!\n"


def test_an_unknown_task_id_names_it(task_id, capfd):
    assert script.main(["-i", task_id + "-other", "-c", "true"]) == 1
    assert capfd.readouterr().out == f"Could not find container with MESOS_TASK_ID '{task_id}-other'.\n"


def test_an_empty_task_id_exits_2(capfd):
    assert script.main(["-i", "", "-c", "true"]) == 2
    assert "seems to be an empty string" in capfd.readouterr().out
