"""``paasta metastatus -a``: autoscaled apps on the devcluster, desired counts from a real ZooKeeper."""

from __future__ import annotations

import uuid
from pathlib import Path

from paasta_tools.cli.cli import main
from paasta_tools.clients import marathon_client
from paasta_tools.clients import zookeeper as zk
from tests.integration.status.helpers import deploy, running_tasks, write_service
from tests.support.devcluster import write_devcluster_system_config


def test_autoscaling_info_lists_the_autoscaled_apps(
    tmp_path: Path, devcluster_factory, zookeeper, monkeypatch, capsys, wait_for
) -> None:
    running = devcluster_factory()
    etc = write_devcluster_system_config(tmp_path / "etc_paasta", running, zookeeper_port=zookeeper.port)
    monkeypatch.setenv("PAASTA_SYSTEM_CONFIG_DIR", str(etc))
    service = f"scaled{uuid.uuid4().hex[:8]}"
    soa = tmp_path / "soa"
    instances = {
        "web": {"min_instances": 1, "max_instances": 3, "cpus": 0.1, "mem": 64},
        "fixed": {"instances": 1, "cpus": 0.1, "mem": 64},
    }
    write_service(soa, service, instances)
    client = marathon_client.get_marathon_client(running.marathon_url)
    app_ids = [deploy(client, soa, service, instance) for instance in instances]  # web: max_instances (no node)
    wait_for(lambda: sum(len(running_tasks(client, app_id)) for app_id in app_ids) == 4)

    assert main(["metastatus", "-d", str(soa), "-a"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "  Resources Grouped by region" in lines  # -a implies -vv
    table = lines[lines.index("  Autoscaling Info:") + 1 :]
    headers = "Service Instance Current instances Desired instances Min instances Max instances"
    assert " ".join(table[0].split()) == headers
    assert table[1].split() == [service, "web", "3", "3", "1", "3"]  # no ZooKeeper node yet: max_instances
    assert table[2] == "Chronos Status: OK"  # the instance without max_instances is not listed

    system_zookeeper = f"zk://{zookeeper.hosts}/mesos-devcluster"
    with zk.zk_connection(system_zookeeper) as zk_client:
        zk.write_autoscaled_instances(zk_client, service, "web", 2)
    assert main(["metastatus", "-d", str(soa), "--autoscaling-info"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[lines.index("  Autoscaling Info:") + 2].split() == [service, "web", "3", "2", "1", "3"]

    assert main(["metastatus", "-d", str(soa)]) == 0
    assert "  Autoscaling Info:" not in capsys.readouterr().out
