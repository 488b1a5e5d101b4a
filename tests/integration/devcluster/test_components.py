"""The real side components and test fixtures: ZooKeeper, the registry, the Sensu stand-in."""

from __future__ import annotations

import json

import pytest

from paasta_tools.devcluster import components
from tests.conftest import free_port


def test_zookeeper_fixture_answers_ruok_and_kazoo(zookeeper) -> None:
    from kazoo.client import KazooClient

    assert components.zookeeper_ready(zookeeper.port)
    client = KazooClient(hosts=zookeeper.hosts, timeout=5)
    client.start(timeout=5)
    try:
        client.ensure_path("/fixture-test")
        client.create("/fixture-test/node", b"value")
        assert client.get("/fixture-test/node")[0] == b"value"
    finally:
        client.delete("/fixture-test", recursive=True)
        client.stop()
    assert zookeeper.url("/mesos-x") == f"zk://127.0.0.1:{zookeeper.port}/mesos-x"


@pytest.mark.docker
def test_registry_fixture_accepts_a_push_and_a_pull(registry, docker_engine) -> None:
    repository = f"{registry.address}/fixture-busybox"
    image = docker_engine.images.get("busybox:latest")
    image.tag(repository, "v1")
    try:
        for line in docker_engine.images.push(repository, tag="v1", stream=True, decode=True):
            assert "error" not in line, line
        docker_engine.images.remove(f"{repository}:v1")
        pulled = docker_engine.images.pull(repository, tag="v1")
        assert pulled.id == image.id
    finally:
        docker_engine.images.remove(f"{repository}:v1", force=True)


def test_sensu_listener_records_pysensu_events(sensu_listener) -> None:
    import pysensu_yelp

    pysensu_yelp.send_event(
        name="check_x",
        runbook="http://runbook",
        status=2,
        output="broken",
        team="team-a",
        sensu_host=sensu_listener.host,
        sensu_port=sensu_listener.port,
    )
    (event,) = sensu_listener.wait_for_events(1)
    assert (event["name"], event["status"], event["team"]) == ("check_x", 2, "team-a")
    assert json.loads(sensu_listener.raw[0]) == event


def test_component_that_exits_reports_its_log(tmp_path) -> None:
    component = components.Component(
        "registry", ("sh", "-c", "echo cannot start; exit 3"), free_port(), tmp_path / "r.log"
    )
    process = components.start(component)
    with pytest.raises(RuntimeError, match="exited with 3; log:\ncannot start"):
        components.wait_ready(component, process, timeout=5)


def test_missing_binaries_are_explained(monkeypatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    assert "docker-registry is not installed" in components.missing_registry()
    assert "java is not installed" in components.missing_zookeeper()


def test_system_config_helper_points_paasta_clients_at_a_devcluster(devcluster_factory, tmp_path) -> None:
    from paasta_tools.clients.mesos import mesos_client_for_cluster
    from paasta_tools.system_config import load_system_paasta_config
    from tests.support.devcluster import write_devcluster_system_config

    running = devcluster_factory(apis=("mesos",), cluster="helper-test")
    config_dir = write_devcluster_system_config(tmp_path / "etc_paasta", running, zookeeper_port=2999)
    config = load_system_paasta_config(config_dir)
    assert config.get_cluster() == "helper-test"
    assert config.get_zk_hosts() == "127.0.0.1:2999/mesos-helper-test"
    client = mesos_client_for_cluster(config, "helper-test")
    assert client.state()["cluster"] == "helper-test"
    assert client.metrics_snapshot()["master/slaves_active"] == 1.0
    assert client.slaves()[0]["id"] == running.cluster.agent.agent_id


def test_port_allocator_skips_a_port_held_on_this_machine() -> None:
    import socket

    from paasta_tools.devcluster.cluster import PortAllocator

    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        held = holder.getsockname()[1]
        assert PortAllocator((held, held + 50)).allocate(1) != [held]
