"""Fixtures shared by every test folder: real components on 127.0.0.1 and the in-process devcluster.

Components that are not installed make their tests skip with the reason, except under CI
(``CI`` set), where a missing component fails the run: CI machines must have them all.
"""

from __future__ import annotations

import os
import random
import socket
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.sensu import SensuListener
from tests.support.waiting import wait_for as _wait_for

REPO = Path(__file__).resolve().parents[1]


# Below Linux's ephemeral range (32768+): a port handed out there can be taken by any outgoing
# connection before the test's server binds it.  Above 22000 to keep clear of SmartStack proxy ports.
_FREE_PORT_RANGE = (22000, 30999)
_handed_out: set[int] = set()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now and this test run has not handed out."""
    for _ in range(500):
        port = random.randint(*_FREE_PORT_RANGE)
        if port in _handed_out:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    raise RuntimeError(f"no free port left in {_FREE_PORT_RANGE}")


def require(reason: str | None) -> None:
    """Skip (locally) or fail (under CI) when ``reason`` says a component is missing."""
    if reason is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"required component missing under CI: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def wait_for() -> Callable[..., object]:
    """``wait_for(condition, timeout=10, interval=0.05)``: poll until ``condition()`` is truthy."""
    return _wait_for


class ZooKeeperServer:
    def __init__(self, port: int) -> None:
        self.port = port
        self.hosts = f"127.0.0.1:{port}"

    def url(self, chroot: str = "/mesos") -> str:
        """A system-config ``zookeeper`` value pointing at this server."""
        return f"zk://{self.hosts}{chroot}"


@pytest.fixture(scope="session")
def zookeeper(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ZooKeeperServer]:
    """A real ZooKeeper 3.8 server (Debian ``zookeeper`` package) on a free 127.0.0.1 port."""
    from paasta_tools.devcluster import components

    require(components.missing_zookeeper())
    component = components.zookeeper_component(tmp_path_factory.mktemp("zookeeper"), free_port())
    process = components.start(component)
    try:
        components.wait_ready(component, process)
        yield ZooKeeperServer(component.port)
    finally:
        components.stop(process)


def _docker_reason() -> str | None:
    from paasta_tools.devcluster.executors.docker import engine_answers

    if not engine_answers():
        return "no Docker engine answers (run scripts/setup-machine.sh as root)"
    return None


@pytest.fixture(scope="session")
def docker_engine() -> Iterator[object]:
    """A docker SDK client of the local engine, with ``busybox:latest`` built locally."""
    require(_docker_reason())
    import docker

    client = docker.from_env()
    try:
        client.images.get("busybox:latest")
    except docker.errors.ImageNotFound:
        subprocess.run(["bash", str(REPO / "scripts" / "build-busybox-image.sh")], check=True)
    yield client
    client.close()


class RegistryServer:
    def __init__(self, port: int) -> None:
        self.port = port
        self.address = f"127.0.0.1:{port}"


@pytest.fixture(scope="session")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RegistryServer]:
    """A real docker registry (Debian ``docker-registry``, distribution 2.8) on a free port."""
    from paasta_tools.devcluster import components

    require(components.missing_registry())
    component = components.registry_component(tmp_path_factory.mktemp("registry"), free_port())
    process = components.start(component)
    try:
        components.wait_ready(component, process)
        yield RegistryServer(component.port)
    finally:
        components.stop(process)


@pytest.fixture
def sensu_listener() -> Iterator[SensuListener]:
    """A TCP listener standing in for the Sensu client socket; ``.events`` holds each JSON document."""
    listener = SensuListener()
    listener.start()
    yield listener
    listener.stop()


@pytest.fixture
def devcluster_factory(tmp_path: Path) -> Iterator[Callable[..., object]]:
    """Start devclusters in this process on free loopback ports; all are stopped after the test.

    ``factory(executor=None, apis=ALL_APIS, data_dir=None, **settings)``: ``executor`` is an Executor,
    or a kind ("noop", "process", "docker", "auto") built on the cluster's data dir so that task
    sandboxes are where the Mesos agent API looks; it defaults to the fast no-op one.
    """
    from paasta_tools.devcluster.cluster import Cluster, DevclusterSettings
    from paasta_tools.devcluster.executors.factory import make_executor
    from paasta_tools.devcluster.executors.noop import NoopExecutor
    from paasta_tools.devcluster.server import ALL_APIS, start_in_thread

    running = []

    def factory(executor=None, apis=ALL_APIS, data_dir: Path | None = None, **overrides):
        data_dir = data_dir or tmp_path / f"devcluster{len(running)}"
        if isinstance(executor, str):
            executor = make_executor(executor, data_dir)
        fields = {
            "marathon_port": free_port(),
            "chronos_port": free_port(),
            "mesos_port": free_port(),
            "reconcile_interval": 0.1,
            **overrides,
        }
        settings = DevclusterSettings(data_dir=data_dir, **fields)
        cluster = Cluster(settings, executor or NoopExecutor())
        handle = start_in_thread(cluster, apis=apis)
        running.append(handle)
        return handle

    yield factory
    for handle in running:
        handle.stop()
