"""The devcluster Marathon with real containers (local busybox image): HTTP health checks through BRIDGE
port mappings, a killed container replaced, and a rolling config change that keeps minimumHealthCapacity."""

from __future__ import annotations

import math
import threading
import time

import pytest

from paasta_tools.devcluster.executors.docker import DockerExecutor, devcluster_id, remove_devcluster_containers
from paasta_tools.devcluster.executors.docker_options import LABEL_TASK_ID
from tests.integration.devcluster.test_marathon_apps import create, wait_for
from tests.integration.devcluster.test_marathon_processes import free_port_range

pytestmark = pytest.mark.docker

HTTPD = "mkdir -p /www && echo hello > /www/index.html && exec httpd -f -p 8080 -h /www"
CONTAINER = {
    "type": "DOCKER",
    "docker": {"image": "busybox:latest", "network": "BRIDGE", "portMappings": [{"containerPort": 8080}]},
}
CHECK = {"protocol": "HTTP", "path": "/index.html", "intervalSeconds": 1, "gracePeriodSeconds": 20}


@pytest.fixture
def handle(docker_engine, devcluster_factory, tmp_path):
    data_dir = tmp_path / "docker-cluster"
    executor = DockerExecutor(data_dir)
    handle = devcluster_factory(executor=executor, apis=("marathon",), data_dir=data_dir, port_range=free_port_range())
    yield handle
    handle.stop()
    remove_devcluster_containers(devcluster_id(data_dir))


def _healthy(client, app_id: str, count: int):
    def check():
        app = client.get_app(app_id)
        return app if app.tasks_healthy == count and len(app.tasks) == count else None

    return check


def test_container_app_becomes_healthy_and_a_killed_container_is_replaced(docker_engine, marathon, client):
    create(marathon, "/httpd", cmd=HTTPD, container=CONTAINER, healthChecks=[CHECK], mem=32)
    task = wait_for(_healthy(client, "/httpd", 1), timeout=60).tasks[0]
    containers = docker_engine.containers.list(filters={"label": f"{LABEL_TASK_ID}={task.id}"})
    assert len(containers) == 1
    environment = dict(item.split("=", 1) for item in containers[0].attrs["Config"]["Env"])
    assert environment["MARATHON_APP_ID"] == "/httpd" and environment["PORT_8080"] == str(task.ports[0])
    containers[0].kill()
    wait_for(lambda: task.id not in {t.id for t in client.get_app("/httpd").tasks}, timeout=30)
    replacement = wait_for(_healthy(client, "/httpd", 1), timeout=60).tasks[0]
    assert replacement.id != task.id


def test_rolling_config_change_keeps_minimum_health_capacity(marathon, client):
    strategy = {"minimumHealthCapacity": 0.5, "maximumOverCapacity": 0.0}
    create(
        marathon,
        "/rolling",
        cmd=HTTPD,
        container=CONTAINER,
        healthChecks=[CHECK],
        instances=2,
        mem=32,
        upgradeStrategy=strategy,
    )
    old = {t.id for t in wait_for(_healthy(client, "/rolling", 2), timeout=60).tasks}
    wait_for(marathon.deployments_done, timeout=30)
    samples: list[int] = []
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            samples.append(marathon("GET", "/v2/apps/rolling").json()["app"]["tasksHealthy"])
            time.sleep(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        marathon("PUT", "/v2/apps/rolling", json={"env": {"GENERATION": "2"}})
        wait_for(marathon.deployments_done, timeout=90)
    finally:
        done.set()
        sampler.join()
    new = client.get_app("/rolling").tasks
    assert len(new) == 2 and not {t.id for t in new} & old
    assert min(samples) >= math.ceil(2 * 0.5)
