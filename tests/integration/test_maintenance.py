"""Mesos maintenance on the devcluster: schedule/status/down/up/reservations, and the "at risk" path
of setup_marathon_job and list_marathon_service_instances --minimal."""

from __future__ import annotations

import time

import pytest
import requests

from paasta_tools import maintenance
from paasta_tools.clients.mesos_maintenance import MesosMaintenanceClient
from paasta_tools.errors import MaintenanceError
from paasta_tools.scripts import list_marathon_service_instances, paasta_maintenance
from tests.integration.marathon_pipeline.conftest import HEALTHY_INSTANCE, Pipeline
from tests.support.devcluster import write_devcluster_system_config

AGENT = maintenance.MachineId("127.0.0.1", "127.0.0.1")
HOUR_NS = 3600 * maintenance.NANOSECONDS
QUICK = {key: HEALTHY_INSTANCE[key] for key in ("cmd", "instances", "cpus", "mem", "disk")}


def _slave(running) -> dict:
    return requests.get(f"{running.mesos_url}/master/state", timeout=5).json()["slaves"][0]


@pytest.fixture
def running(devcluster_factory):
    return devcluster_factory(apis=("marathon", "mesos"))


def test_drain_down_up_and_undrain_through_the_master(running) -> None:
    client = MesosMaintenanceClient(running.mesos_url)
    assert client.status() == {} and client.schedule() == {}
    client.drain([AGENT], start=10 * maintenance.NANOSECONDS, duration=HOUR_NS)
    assert maintenance.draining_hosts(client.status()) == ["127.0.0.1"]
    (window,) = client.schedule()["windows"]
    assert window["unavailability"] == {"start": {"nanoseconds": 10**10}, "duration": {"nanoseconds": HOUR_NS}}
    reserved = _slave(running)["reserved_resources"]["maintenance"]
    assert reserved["cpus"] > 0 and reserved["mem"] > 0
    assert _slave(running)["unreserved_resources"]["cpus"] == pytest.approx(0.0, abs=1e-6)

    client.machines_down([AGENT])
    status = client.status()
    assert status == {"down_machines": [{"hostname": "127.0.0.1", "ip": "127.0.0.1"}]}
    assert _slave(running)["active"] is False
    client.machines_up([AGENT])
    assert client.status() == {} and client.schedule() == {}  # up takes the machine off the schedule

    client.undrain([AGENT])
    assert "maintenance" not in _slave(running)["reserved_resources"]


def test_the_master_refuses_invalid_maintenance_requests(running) -> None:
    client = MesosMaintenanceClient(running.mesos_url)
    with pytest.raises(MaintenanceError, match="is not part of a maintenance schedule"):
        client.machines_down([AGENT])
    with pytest.raises(MaintenanceError, match="HTTP 400: .*appears more than once"):
        client.post_schedule({"windows": [maintenance.drain_schedule({}, [AGENT, AGENT], 0, 1)["windows"][0]]})
    answer = requests.post(f"{running.mesos_url}/master/maintenance/schedule", data="{not json", timeout=5)
    assert answer.status_code == 400
    answer = requests.post(
        f"{running.mesos_url}/master/reserve", data={"slaveId": "nope", "resources": "[]"}, timeout=5
    )
    assert (answer.status_code, answer.text) == (400, "No agent found with specified ID: nope")
    too_much = maintenance.Reservation(_slave(running)["id"], "127.0.0.1", (("cpus", 1.0),))
    with pytest.raises(MaintenanceError, match="HTTP 409"):
        client.unreserve(too_much)


def _post_app(running, instances: int = 2) -> None:
    app = {"id": "/maint", "cmd": "sleep 1000", "instances": instances, "cpus": 0.01, "mem": 16}
    requests.post(f"{running.marathon_url}/v2/apps", json=app, timeout=5).raise_for_status()


def _tasks(running) -> list[dict]:
    return requests.get(f"{running.marathon_url}/v2/apps/maint/tasks", timeout=5).json()["tasks"]


def _queue(running) -> list[dict]:
    return requests.get(f"{running.marathon_url}/v2/queue", timeout=5).json()["queue"]


def test_a_down_machine_runs_nothing_until_it_is_up_again(running, wait_for) -> None:
    client = MesosMaintenanceClient(running.mesos_url)
    _post_app(running)
    wait_for(lambda: len([t for t in _tasks(running) if t["state"] == "TASK_RUNNING"]) == 2)
    client.post_schedule(maintenance.drain_schedule({}, [AGENT], 0, HOUR_NS))
    wait_for(lambda: len(_tasks(running)) == 2)  # draining: tasks keep running
    client.machines_down([AGENT])
    wait_for(lambda: _tasks(running) == [])
    wait_for(lambda: [entry["count"] for entry in _queue(running)] == [2])  # Marathon wants them back...
    assert _tasks(running) == []  # ...but nothing is launched while the machine is down
    client.machines_up([AGENT])
    wait_for(lambda: len([t for t in _tasks(running) if t["state"] == "TASK_RUNNING"]) == 2)


@pytest.fixture
def pipeline(devcluster_factory, zookeeper, sensu_listener, tmp_path, monkeypatch) -> Pipeline:
    running = devcluster_factory(apis=("marathon", "mesos"), data_dir=tmp_path / "devcluster")
    config_dir = write_devcluster_system_config(
        tmp_path / "etc_paasta", running, zookeeper_port=zookeeper.port, sensu_port=sensu_listener.port
    )
    monkeypatch.setenv("PAASTA_SYSTEM_CONFIG_DIR", str(config_dir))
    log_dir = tmp_path / "devcluster" / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    (tmp_path / "soa").mkdir()
    return Pipeline(running, tmp_path / "soa", sensu_listener, log_dir)


def _running_tasks(pipeline: Pipeline, app_id: str) -> int:
    app = pipeline.apps().get(app_id) or {}
    return sum(1 for task in app.get("tasks", []) if task.get("state") == "TASK_RUNNING" and task.get("startedAt"))


def test_tasks_on_a_draining_host_are_at_risk_replaced_first_then_killed(pipeline, wait_for, capsys) -> None:
    config = {**QUICK, "instances": 1}
    pipeline.write_service({"main": config})
    pipeline.bounce_until("svc.main", lambda: pipeline.converged(1))
    (old_id,) = pipeline.apps()
    client = MesosMaintenanceClient(pipeline.running.mesos_url)
    client.post_schedule(maintenance.drain_schedule({}, [AGENT], 0, HOUR_NS))

    # --minimal lists the instance although its app matches soa-configs: its task is at risk
    assert list_marathon_service_instances.main(["-d", str(pipeline.soa_dir), "--minimal"]) == 0
    assert capsys.readouterr().out == "svc.main\n"

    # one at-risk task: the app is scaled to desired + at risk, the at-risk task keeps running
    assert pipeline.setup("svc.main") == 0
    assert pipeline.apps()[old_id]["instances"] == 2
    wait_for(lambda: _running_tasks(pipeline, old_id) == 2)
    assert "maintenance" not in _slave(pipeline.running)["reserved_resources"]

    # a new version: it is created first, then the at-risk tasks are drained and killed, the host reserved
    pipeline.faults.reset_counts()
    pipeline.write_service({"main": {**config, "env": {"V": "2"}}})
    assert pipeline.setup("svc.main") == 0
    writes = pipeline.faults.writes()
    create, kill = writes.index(("POST", "/v2/apps")), writes.index(("POST", "/v2/tasks/delete"))
    assert create < kill
    messages = [line["message"] for line in pipeline.deploy_log()]
    assert any("2 old tasks at risk." in message for message in messages), messages
    assert sum("bounce killing drained task" in message for message in messages) == 2
    assert old_id not in pipeline.apps()
    reserved = _slave(pipeline.running)["reserved_resources"]["maintenance"]
    assert reserved["cpus"] > 0 and reserved["mem"] > 0


def test_paasta_maintenance_script_against_the_devcluster(pipeline, capsys) -> None:
    host = "127.0.0.1|127.0.0.1"
    assert paasta_maintenance.main(["is_host_draining", host]) == 1
    assert capsys.readouterr().out == "False\n"
    assert paasta_maintenance.main(["drain", host, "-s", "2017-04-20 10:00", "-d", "2h"]) == 0
    assert capsys.readouterr().out == "Done\n"
    assert paasta_maintenance.main(["is_host_draining", host]) == 0
    assert paasta_maintenance.main(["is_host_past_maintenance_start", host]) == 0
    assert paasta_maintenance.main(["is_host_past_maintenance_end", host]) == 0
    assert paasta_maintenance.main(["is_host_drained", host]) == 0  # no task runs there
    capsys.readouterr()
    assert paasta_maintenance.main(["schedule"]) == 0
    start = maintenance.parse_datetime("2017-04-20 10:00")
    assert f'"start": {{"nanoseconds": {start}}}' in capsys.readouterr().out
    assert paasta_maintenance.main(["down", host]) == 0
    assert paasta_maintenance.main(["is_host_down", host]) == 0
    assert paasta_maintenance.main(["down", host]) == 1
    assert "is not in DRAINING mode" in capsys.readouterr().err
    assert paasta_maintenance.main(["up", host]) == 0
    assert paasta_maintenance.main(["undrain", host]) == 0
    capsys.readouterr()
    assert paasta_maintenance.main(["status"]) == 0
    assert capsys.readouterr().out == "{}\n"
    assert paasta_maintenance.main(["drain", host, "-d", "soon"]) == 1
    assert "'soon' is not a valid time expression" in capsys.readouterr().err


def test_is_safe_to_drain_refuses_a_host_with_a_healthy_task_of_an_under_replicated_app(
    pipeline, wait_for, capsys
) -> None:
    running = pipeline.running
    _post_app(running, instances=2)
    wait_for(lambda: len([t for t in _tasks(running) if t["state"] == "TASK_RUNNING"]) == 2)
    assert paasta_maintenance.main(["is_safe_to_drain", "127.0.0.1"]) == 0
    assert capsys.readouterr().out == "True\n"
    # nothing more can start: 2 healthy tasks of the 4 wanted are under 80%
    MesosMaintenanceClient(running.mesos_url).reserve_all_resources(["127.0.0.1"])
    requests.put(f"{running.marathon_url}/v2/apps/maint", json={"instances": 4}, timeout=5).raise_for_status()
    wait_for(lambda: [entry["count"] for entry in _queue(running)] == [2])
    assert paasta_maintenance.main(["is_safe_to_drain", "127.0.0.1"]) == 1
    assert capsys.readouterr().out == "False\n"
    assert paasta_maintenance.main(["is_safe_to_drain", "another-host"]) == 0


def test_cleanup_maintenance_undrains_and_brings_up_forgotten_hosts(pipeline) -> None:
    from paasta_tools.scripts import cleanup_maintenance

    client = MesosMaintenanceClient(pipeline.running.mesos_url)
    now = int(time.time()) * maintenance.NANOSECONDS
    client.post_schedule(maintenance.drain_schedule({}, [AGENT], now, HOUR_NS))
    assert cleanup_maintenance.main([]) == 0  # a fresh window: the draining host gets reserved, nothing else
    assert maintenance.draining_hosts(client.status()) == ["127.0.0.1"]
    assert _slave(pipeline.running)["reserved_resources"]["maintenance"]["cpus"] > 0

    client.post_schedule(maintenance.drain_schedule({}, [AGENT], now - HOUR_NS, 2 * HOUR_NS))
    assert cleanup_maintenance.main([]) == 0  # draining 1h past the window's start: undrained, unreserved
    assert client.status() == {} and client.schedule() == {}
    assert "maintenance" not in _slave(pipeline.running)["reserved_resources"]

    client.post_schedule(maintenance.drain_schedule({}, [AGENT], now - 2 * HOUR_NS, HOUR_NS))
    client.machines_down([AGENT])
    assert cleanup_maintenance.main([]) == 0  # down 1h past the window's end: brought up
    assert client.status() == {} and client.schedule() == {}


def test_chronos_runs_nothing_on_a_down_machine(devcluster_factory, wait_for) -> None:
    running = devcluster_factory(apis=("chronos", "mesos"))
    job = {"name": "svc job", "command": "true", "owner": "team@example.com", "schedule": "R/2099-01-01T00:00:00Z/P1D"}
    requests.post(f"{running.chronos_url}/scheduler/iso8601", json=job, timeout=5).raise_for_status()
    client = MesosMaintenanceClient(running.mesos_url)
    client.post_schedule(maintenance.drain_schedule({}, [AGENT], 0, HOUR_NS))
    client.machines_down([AGENT])
    requests.put(f"{running.chronos_url}/scheduler/job/svc%20job", timeout=5).raise_for_status()
    state = running.cluster.frameworks["chronos"].state
    time.sleep(0.5)
    assert state.runs_of("svc job") == [] and len(state.tasks) == 1  # queued, not run
    client.machines_up([AGENT])
    wait_for(lambda: len(state.runs_of("svc job")) == 1)


def test_a_failed_reservation_is_logged_and_the_bounce_goes_on(pipeline) -> None:
    from paasta_tools.operations.marathon_reconcile import Reconciler
    from paasta_tools.system_config import load_system_paasta_config

    config = {**QUICK, "instances": 1}
    pipeline.write_service({"main": config})
    pipeline.bounce_until("svc.main", lambda: pipeline.converged(1))
    (old_id,) = pipeline.apps()
    MesosMaintenanceClient(pipeline.running.mesos_url).post_schedule(
        maintenance.drain_schedule({}, [AGENT], 0, HOUR_NS)
    )
    pipeline.write_service({"main": {**config, "env": {"V": "2"}}})
    reconciler = Reconciler(load_system_paasta_config(), str(pipeline.soa_dir))

    def refuse(hosts) -> None:
        raise MaintenanceError(f"the master refused to reserve {', '.join(hosts)}")

    reconciler.env.reserve_hosts = refuse
    report = reconciler.run(reconciler.targets([("svc", "main")]))
    assert [outcome.result.output for outcome in report.outcomes] == ["Service deployed."]
    assert old_id not in pipeline.apps()
    messages = [line["message"] for line in pipeline.deploy_log()]
    assert "Failed to reserve resources on 127.0.0.1: the master refused to reserve 127.0.0.1" in messages


def test_maintenance_state_survives_a_restart(devcluster_factory, tmp_path) -> None:
    first = devcluster_factory(apis=("mesos",), data_dir=tmp_path / "kept")
    client = MesosMaintenanceClient(first.mesos_url)
    client.post_schedule(maintenance.drain_schedule({}, [AGENT], 0, HOUR_NS))
    client.machines_down([AGENT])
    first.stop()
    second = devcluster_factory(apis=("mesos",), data_dir=tmp_path / "kept")
    again = MesosMaintenanceClient(second.mesos_url)
    assert maintenance.down_hosts(again.status()) == ["127.0.0.1"]
    assert again.schedule()["windows"][0]["machine_ids"] == [{"hostname": "127.0.0.1", "ip": "127.0.0.1"}]
