"""Mesos maintenance: the hosts being drained, read from the master, make their tasks "at risk"."""

from __future__ import annotations

from paasta_tools.operations.marathon_reconcile import draining_hosts
from paasta_tools.system_config import SystemPaastaConfig
from tests.conftest import free_port
from tests.integration.http_recorder import serve_recorder


def test_draining_hosts_come_from_the_maintenance_status() -> None:
    with serve_recorder() as mesos:
        status = {"draining_machines": [{"id": {"hostname": "agent1", "ip": "10.0.0.1"}}], "down_machines": []}
        mesos.on("GET", "/master/maintenance/status", body=status)
        assert draining_hosts(SystemPaastaConfig({"mesos_url": mesos.url})) == {"agent1"}
        assert mesos.requests[-1].path == "/master/maintenance/status"


def test_a_master_without_maintenance_data_drains_nothing() -> None:
    with serve_recorder() as mesos:  # answers 404 to everything, as the devcluster's master does
        assert draining_hosts(SystemPaastaConfig({"mesos_url": mesos.url})) == frozenset()
    assert draining_hosts(SystemPaastaConfig({"mesos_url": f"http://127.0.0.1:{free_port()}"})) == frozenset()
    assert draining_hosts(SystemPaastaConfig({})) == frozenset()
