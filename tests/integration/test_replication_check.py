"""check_marathon_services_replication against the devcluster, a Sensu listener and a real HAProxy."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from paasta_tools.clients import marathon_client
from paasta_tools.scripts import check_marathon_services_replication as script
from tests.conftest import free_port, require
from tests.integration.status.helpers import CLUSTER, deploy, running_tasks, system_config_dir, write_service
from tests.support.haproxy import HaproxyStats, listening, missing_haproxy, statuses

CHECK = "check_marathon_services_replication.svc.main"


def _events_for(listener, check: str) -> list[dict]:
    return [event for event in listener.events if event["name"] == check]


def test_mesos_check_ok_then_critical_when_tasks_are_killed(
    tmp_path: Path, devcluster_factory, sensu_listener, monkeypatch, wait_for
) -> None:
    running = devcluster_factory()
    soa = tmp_path / "soa"
    write_service(soa, "svc", {"main": {"instances": 4}, "batch": {"instances": 1, "replication_threshold": 10}})
    etc = system_config_dir(tmp_path, running, sensu_port=sensu_listener.port)
    monkeypatch.setenv("PAASTA_SYSTEM_CONFIG_DIR", str(etc))
    (Path(running.cluster.settings.data_dir) / "logs").mkdir(parents=True, exist_ok=True)
    client = marathon_client.get_marathon_client(running.marathon_url)
    app_id = deploy(client, soa, "svc", "main")
    wait_for(lambda: len(running_tasks(client, app_id)) == 4)

    assert script.main(["-d", str(soa), "--min-task-uptime", "0"]) == 0
    wait_for(lambda: len(sensu_listener.events) >= 2)
    ok = _events_for(sensu_listener, CHECK)[-1]
    assert ok["status"] == 0
    assert ok["output"] == "Service svc.main has 4 out of 4 expected instances available!\n(threshold: 50%)"
    assert ok["team"] == "devs" and ok["runbook"] == "y/rb-svc"
    assert ok["alert_after"] == 120 and ok["interval"] == 60
    batch = _events_for(sensu_listener, "check_marathon_services_replication.svc.batch")[-1]
    assert batch["status"] == 2  # not deployed: 0 of 1, whatever the low threshold

    tasks = running_tasks(client, app_id)
    marathon_client.kill_given_tasks(client, [t.id for t in tasks[:3]], scale=True)
    wait_for(lambda: len(running_tasks(client, app_id)) == 1)
    assert script.main(["-d", str(soa), "--min-task-uptime", "0"]) == 0
    wait_for(lambda: len(_events_for(sensu_listener, CHECK)) == 2)
    critical = _events_for(sensu_listener, CHECK)[-1]
    assert critical["status"] == 2
    assert critical["output"].startswith(
        "Service svc.main has 1 out of 4 expected instances available!\n(threshold: 50%)\n\nWhat this alert means:"
    )
    log_text = (Path(running.cluster.settings.data_dir) / "logs" / "svc.log").read_text()
    assert '"component": "monitoring"' in log_text and "Replication: Service svc.main has 1 out of 4" in log_text


def test_young_tasks_do_not_count_and_broken_services_do_not_stop_others(
    tmp_path: Path, devcluster_factory, sensu_listener, monkeypatch, wait_for
) -> None:
    running = devcluster_factory()
    soa = tmp_path / "soa"
    write_service(soa, "svc", {"main": {"instances": 2}})
    broken = soa / "broken"
    broken.mkdir()
    (broken / f"marathon-{CLUSTER}.yaml").write_text("main: [unclosed\n")
    monkeypatch.setenv("PAASTA_SYSTEM_CONFIG_DIR", str(system_config_dir(tmp_path, running, sensu_listener.port)))
    client = marathon_client.get_marathon_client(running.marathon_url)
    app_id = deploy(client, soa, "svc", "main")
    wait_for(lambda: len(running_tasks(client, app_id)) == 2)
    assert script.main(["-d", str(soa)]) == 1  # the broken service is reported; svc is still checked
    event = sensu_listener.wait_for_events(1)[0]
    assert event["name"] == CHECK
    assert event["output"].startswith("Service svc.main has 0 out of 2 expected instances available!")


def test_smartstack_check_counts_up_backends_in_haproxy(
    tmp_path: Path, devcluster_factory, sensu_listener, monkeypatch, wait_for
) -> None:
    require(missing_haproxy())
    low = random.randrange(20000, 29000, 100)  # away from other tests' agents and the ephemeral range
    running = devcluster_factory(port_range=(low, low + 99))
    soa = tmp_path / "soa"
    marathon = {"main": {"instances": 4, "healthcheck_mode": "cmd"}}
    write_service(soa, "svc", marathon, smartstack={"main": {"proxy_port": 20001, "discover": "region"}})
    stats_port = free_port()
    etc = system_config_dir(tmp_path, running, sensu_listener.port, synapse_port=stats_port)
    monkeypatch.setenv("PAASTA_SYSTEM_CONFIG_DIR", str(etc))
    client = marathon_client.get_marathon_client(running.marathon_url)
    app_id = deploy(client, soa, "svc", "main")
    tasks = wait_for(lambda: (t := running_tasks(client, app_id)) and len(t) == 4 and t)
    ports = sorted(t.ports[0] for t in tasks)
    backends = {"svc.main": [("127.0.0.1", port, "localhost") for port in ports]}
    with listening(ports[:1]), HaproxyStats(tmp_path, backends, stats_port) as haproxy:
        wait_for(lambda: statuses(haproxy) == {port: "UP" if port == ports[0] else "DOWN" for port in ports})
        assert script.main(["-d", str(soa)]) == 0
        critical = sensu_listener.wait_for_events(1)[0]
        with listening(ports[1:]):
            wait_for(lambda: statuses(haproxy) == dict.fromkeys(ports, "UP"))
            assert script.main(["-d", str(soa)]) == 0
            ok = sensu_listener.wait_for_events(2)[1]
    assert critical["name"] == CHECK and critical["status"] == 2
    assert critical["output"].startswith(
        "- Service svc.main has 1 out of 4 expected instances in devregion (CRITICAL: 25%)\n\n\nWhat this alert means:"
    )
    assert ok["status"] == 0
    assert ok["output"] == "- Service svc.main has 4 out of 4 expected instances in devregion (OK: 100%)\n"


@pytest.mark.parametrize("blacklist", [[["region", "devregion"]]])
def test_smartstack_without_locations_is_critical(
    tmp_path: Path, devcluster_factory, sensu_listener, monkeypatch, blacklist
) -> None:
    running = devcluster_factory()
    soa = tmp_path / "soa"
    marathon = {"main": {"instances": 1, "monitoring_blacklist": blacklist}}
    write_service(soa, "svc", marathon, smartstack={"main": {"proxy_port": 20001}})
    monkeypatch.setenv("PAASTA_SYSTEM_CONFIG_DIR", str(system_config_dir(tmp_path, running, sensu_listener.port)))
    assert script.main(["-d", str(soa)]) == 0
    event = sensu_listener.wait_for_events(1)[0]
    assert event["status"] == 2
    assert event["output"].startswith("Service svc.main has no Smartstack replication info.")


def test_unreachable_sensu_is_reported_and_other_instances_still_checked(
    tmp_path: Path, devcluster_factory, monkeypatch, caplog
) -> None:
    running = devcluster_factory()
    soa = tmp_path / "soa"
    write_service(soa, "svc", {"main": {"instances": 1}, "canary": {"instances": 1}})
    monkeypatch.setenv("PAASTA_SYSTEM_CONFIG_DIR", str(system_config_dir(tmp_path, running, free_port())))
    (Path(running.cluster.settings.data_dir) / "logs").mkdir(parents=True)
    assert script.main(["-d", str(soa)]) == 1
    errors = [r.getMessage() for r in caplog.records if "could not send the Sensu event" in r.getMessage()]
    assert len(errors) == 2
    assert any("check_marathon_services_replication.svc.canary" in e for e in errors)
    assert any("check_marathon_services_replication.svc.main" in e for e in errors)
    log_text = (Path(running.cluster.settings.data_dir) / "logs" / "svc.log").read_text()
    assert log_text.count("Replication: Service svc.") == 2


def test_a_stopped_instance_expects_no_tasks(tmp_path: Path, devcluster_factory, sensu_listener, monkeypatch) -> None:
    running = devcluster_factory()
    soa = tmp_path / "soa"
    write_service(soa, "svc", {"main": {"instances": 3}}, desired_state={"main": "stop"})
    monkeypatch.setenv("PAASTA_SYSTEM_CONFIG_DIR", str(system_config_dir(tmp_path, running, sensu_listener.port)))
    assert script.main(["-d", str(soa)]) == 0
    event = sensu_listener.wait_for_events(1)[0]
    assert event["status"] == 0
    assert event["output"] == "Service svc.main has 0 out of 0 expected instances available!\n(threshold: 50%)"


def test_autoscaled_instances_are_read_from_zookeeper(
    tmp_path: Path, devcluster_factory, sensu_listener, monkeypatch, zookeeper
) -> None:
    from paasta_tools.clients import zookeeper as zk

    running = devcluster_factory()
    soa = tmp_path / "soa"
    write_service(soa, "svc", {"main": {"min_instances": 1, "max_instances": 6}})
    zk_url = zookeeper.url(f"/mesos-{tmp_path.name}")
    etc = system_config_dir(tmp_path, running, sensu_listener.port, zookeeper=zk_url)
    monkeypatch.setenv("PAASTA_SYSTEM_CONFIG_DIR", str(etc))
    with zk.zk_connection(zk_url) as client:
        zk.write_autoscaled_instances(client, "svc", "main", 2)
    assert script.main(["-d", str(soa)]) == 0
    event = sensu_listener.wait_for_events(1)[0]
    assert event["output"].startswith("Service svc.main has 0 out of 2 expected instances available!")
