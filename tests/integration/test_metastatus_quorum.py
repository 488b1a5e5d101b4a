"""``paasta metastatus``: the Mesos masters registered in a real ZooKeeper against the master's quorum flag."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path
from types import SimpleNamespace

from paasta_tools.cli.cli import main
from paasta_tools.cli.cmds.metastatus import MetastatusOptions, cluster_status_lines
from paasta_tools.clients import marathon_client
from paasta_tools.clients.zookeeper import list_children
from paasta_tools.devcluster.components import Component
from paasta_tools.devcluster.runner import UpOptions, register_master_in_zookeeper
from paasta_tools.status.colors import PLAIN
from paasta_tools.status.metastatus import count_masters
from paasta_tools.system_config import load_system_paasta_config
from tests.conftest import free_port
from tests.integration.status.helpers import CLUSTER, deploy, running_tasks, system_config_dir, write_service


class _RunningZookeeper:
    """The session ZooKeeper seen as the devcluster's own ZooKeeper process (it runs: never polled as exited)."""

    def poll(self) -> None:
        return None


def _registered_masters(zookeeper, path: str) -> int:
    return count_masters(list_children(zookeeper.hosts, path))


def test_metastatus_counts_the_masters_the_devcluster_registers(
    tmp_path: Path, devcluster_factory, zookeeper, monkeypatch, capsys, wait_for
) -> None:
    name = f"quorum-{uuid.uuid4().hex[:8]}"
    running = devcluster_factory(zookeeper=f"zk://{zookeeper.hosts}/mesos-{name}")
    assert running.cluster.settings.zookeeper.endswith(f"/mesos-{name}")
    monkeypatch.setenv("PAASTA_SYSTEM_CONFIG_DIR", str(system_config_dir(tmp_path, running)))
    soa = tmp_path / "soa"
    write_service(soa, "svc", {"main": {"instances": 1, "cpus": 0.1, "mem": 64}})
    client = marathon_client.get_marathon_client(running.marathon_url)
    app_id = deploy(client, soa, "svc", "main")
    wait_for(lambda: len(running_tasks(client, app_id)) == 1 and not client.list_deployments())

    assert main(["metastatus", "-d", str(soa)]) == 2  # no master registered yet
    out = capsys.readouterr().out
    assert "Mesos Status: CRITICAL\n  CRITICAL: Number of masters (0) less than configured quorum(1).\n" in out
    assert "Marathon Status: OK\n" in out

    options = UpOptions(data_dir=tmp_path, cluster=name, mesos_port=running.cluster.settings.mesos_port)
    options = UpOptions(**{**vars(options), "zookeeper_port": zookeeper.port})
    component = Component("zookeeper", (), zookeeper.port, tmp_path / "zookeeper.log")
    side = SimpleNamespace(processes={"zookeeper": (component, _RunningZookeeper())})
    stop = threading.Event()
    thread = threading.Thread(target=register_master_in_zookeeper, args=(options, "master-1", side, stop))
    thread.start()
    try:
        wait_for(lambda: _registered_masters(zookeeper, f"/mesos-{name}") == 1)
        assert main(["metastatus", "-d", str(soa), "-v"]) == 0
        out = capsys.readouterr().out
        assert "Mesos Status: OK\n" in out
        assert "  Quorum: masters: 1 configured quorum: 1\n  Frameworks:\n" in out
    finally:
        stop.set()
        thread.join(timeout=10)
    assert _registered_masters(zookeeper, f"/mesos-{name}") == 0  # the master's node went with its session
    assert main(["metastatus", "-d", str(soa)]) == 2


def test_quorum_is_critical_when_zookeeper_does_not_answer_and_met_by_a_standalone_master(
    tmp_path: Path, devcluster_factory, monkeypatch
) -> None:
    unreachable = devcluster_factory(zookeeper=f"zk://127.0.0.1:{free_port()}/mesos-{CLUSTER}")
    standalone = devcluster_factory()
    soa = tmp_path / "soa"
    write_service(soa, "svc", {"main": {"instances": 1}})
    options = MetastatusOptions(str(soa), verbose=1, zk_timeout=1)

    monkeypatch.setenv("PAASTA_SYSTEM_CONFIG_DIR", str(system_config_dir(tmp_path / "a", unreachable)))
    lines, healthy = cluster_status_lines(load_system_paasta_config(), CLUSTER, options, PLAIN)
    assert not healthy
    start = lines.index("Mesos Status: CRITICAL")
    mesos = lines[start : next(i for i, line in enumerate(lines) if line.startswith("Marathon Status"))]
    critical = [line for line in mesos if line.startswith("  CRITICAL")]
    assert len(critical) == 1
    assert critical[0].startswith("  CRITICAL: Unable to contact ZooKeeper: could not connect to ZooKeeper at zk://")

    monkeypatch.setenv("PAASTA_SYSTEM_CONFIG_DIR", str(system_config_dir(tmp_path / "b", standalone)))
    lines, _ = cluster_status_lines(load_system_paasta_config(), CLUSTER, options, PLAIN)
    assert "  Quorum: masters: 1 configured quorum: 1" in lines  # no zk flag: the master stands alone
