"""Mesos maintenance as data: schedules, status, reservations, is_safe_to_drain, and the devcluster master's rules."""

from __future__ import annotations

import datetime
import json
from types import SimpleNamespace

import pytest

from paasta_tools import maintenance
from paasta_tools.devcluster.mesos.maintenance import (
    Conflict,
    InvalidRequest,
    Maintenance,
    parse_machine_ids,
    parse_reservation,
    parse_schedule,
)
from paasta_tools.devcluster.store import Store
from paasta_tools.errors import MaintenanceError
from paasta_tools.marathon.tasks import MarathonAppState, MarathonTask

NS = maintenance.NANOSECONDS
HOST_A = maintenance.MachineId("a", "10.0.0.1")
HOST_B = maintenance.MachineId("b", "10.0.0.2")


def _window(hosts, start=0, duration=NS):
    return maintenance.drain_schedule({}, hosts, start, duration)["windows"][0]


def test_parse_host_takes_an_optional_ip() -> None:
    assert maintenance.parse_host("a") == maintenance.MachineId("a", None)
    assert maintenance.parse_host("a|10.0.0.1") == HOST_A
    with pytest.raises(MaintenanceError, match="'a\\|'"):
        maintenance.parse_host("a|")


def test_durations_and_datetimes_in_nanoseconds() -> None:
    assert maintenance.parse_timedelta("1h") == 3600 * NS
    assert maintenance.parse_timedelta("1d3h") == 27 * 3600 * NS
    assert maintenance.parse_datetime("2017-04-20 10:00") == 1492682400 * NS
    assert maintenance.parse_datetime("2017-04-20T12:00:00+02:00") == 1492682400 * NS
    with pytest.raises(MaintenanceError, match="'soon' is not a valid time expression"):
        maintenance.parse_timedelta("soon")
    with pytest.raises(MaintenanceError, match="'nope' is not a valid datetime expression"):
        maintenance.parse_datetime("nope")


def test_drain_replaces_a_hosts_window_and_undrain_drops_empty_windows() -> None:
    schedule = {"windows": [_window([HOST_A, HOST_B], start=5)]}
    drained = maintenance.drain_schedule(schedule, [HOST_A], 7, 2 * NS)
    assert drained["windows"][0]["machine_ids"] == [{"hostname": "b", "ip": "10.0.0.2"}]
    assert drained["windows"][1] == {
        "machine_ids": [{"hostname": "a", "ip": "10.0.0.1"}],
        "unavailability": {"start": {"nanoseconds": 7}, "duration": {"nanoseconds": 2 * NS}},
    }
    assert maintenance.undrain_schedule(drained, [HOST_B]) == {"windows": [drained["windows"][1]]}
    assert maintenance.undrain_schedule({}, [HOST_A]) == {"windows": []}


def test_hosts_by_status_and_by_window_times() -> None:
    status = {
        "draining_machines": [{"id": {"hostname": "a", "ip": "10.0.0.1"}, "statuses": []}],
        "down_machines": [{"hostname": "b", "ip": "10.0.0.2"}],
    }
    assert maintenance.draining_hosts(status) == ["a"]
    assert maintenance.down_hosts(status) == ["b"]
    assert maintenance.friendly_status(status) == "a (10.0.0.1): Draining\nb (10.0.0.2): Down\n"
    schedule = {"windows": [_window([HOST_A], start=100, duration=50), _window([HOST_B], start=300, duration=50)]}
    assert maintenance.hosts_past_maintenance_start(schedule, now_ns=200) == ["a"]
    assert maintenance.hosts_past_maintenance_end(schedule, now_ns=200) == ["a"]
    assert maintenance.hosts_past_maintenance_end(schedule, now_ns=200, grace=60) == []
    assert maintenance.hosts_past_maintenance_start(schedule, now_ns=400) == ["a", "b"]


STATE = {
    "slaves": [
        {
            "id": "S1",
            "hostname": "a",
            "resources": {"cpus": 4.0, "mem": 1000.0, "disk": 500.0},
            "used_resources": {"cpus": 1.0, "mem": 100.0, "disk": 0.0},
            "reserved_resources": {"other": {"cpus": 1.0, "mem": 0.0, "disk": 0.0}},
        },
        {"id": "S2", "hostname": "b", "resources": {}, "used_resources": {}, "reserved_resources": {}},
    ],
    "frameworks": [
        {
            "tasks": [
                {"slave_id": "S1", "state": "TASK_RUNNING"},
                {"slave_id": "S1", "state": "TASK_KILLED"},
                {"slave_id": "S2", "state": "TASK_RUNNING"},
            ]
        }
    ],
}


def test_reserving_all_resources_takes_what_is_neither_used_nor_reserved() -> None:
    (reservation,) = maintenance.free_resources_reservations(STATE, ["a"])
    assert reservation == maintenance.Reservation("S1", "a", (("disk", 500.0), ("mem", 900.0), ("cpus", 2.0)))
    assert maintenance.reservation_resources([("cpus", 2.0)], "agent") == [
        {
            "name": "cpus",
            "type": "SCALAR",
            "scalar": {"value": 2.0},
            "role": "maintenance",
            "reservation": {"principal": "agent"},
        }
    ]
    assert maintenance.maintenance_reservations(STATE, ["a"]) == []  # nothing held by the maintenance role
    assert maintenance.running_task_count(STATE, "a") == 1


def _app(app_id, instances, hosts, health_checks=(), alive=()):
    started = datetime.datetime(2017, 4, 20, tzinfo=datetime.UTC)
    tasks = tuple(
        MarathonTask(f"{app_id}.{n}", app_id, host, state="TASK_RUNNING", started_at=started, health_alive=alive)
        for n, host in enumerate(hosts)
    )
    return MarathonAppState(app_id, instances, tasks, health_checks=health_checks)


def test_apps_in_danger_have_a_healthy_task_on_the_host_and_too_few_healthy_tasks() -> None:
    apps = [
        _app("/ok", 2, ["a", "b"]),
        _app("/low", 3, ["a", "b"]),
        _app("/low-elsewhere", 3, ["b"]),
        _app("/unhealthy-here", 3, ["a"], health_checks=({"protocol": "HTTP"},), alive=(False,)),
        _app("/stopped", 0, []),
    ]
    assert maintenance.apps_in_danger(apps, "a") == ["/low"]
    assert maintenance.apps_in_danger(apps, "c") == []


def test_the_master_validates_schedules_and_machine_lists() -> None:
    schedule = parse_schedule({"windows": [_window([HOST_A])]})
    assert schedule["windows"][0]["machine_ids"] == [{"hostname": "a", "ip": "10.0.0.1"}]
    assert parse_schedule({"windows": []}) == {}
    assert parse_machine_ids([{"hostname": "A", "ip": None}]) == [{"hostname": "a"}]
    bad = [
        ({"windows": [_window([HOST_A]), _window([HOST_A])]}, "appears more than once"),
        ({"windows": [{"machine_ids": [], "unavailability": {"start": {"nanoseconds": 0}}}]}, "is empty"),
        ({"windows": [{"machine_ids": [{"hostname": "a"}]}]}, "Missing required fields: start"),
        ([], "Expecting a JSON object"),
    ]
    for document, message in bad:
        with pytest.raises(InvalidRequest, match=message):
            parse_schedule(document)
    with pytest.raises(InvalidRequest, match="Both 'hostname' and 'ip'"):
        parse_machine_ids([{}])


def test_the_master_parses_reservations() -> None:
    resources = json.dumps(maintenance.reservation_resources([("cpus", 1.5), ("mem", 10.0)], None))
    assert parse_reservation({"slaveId": "S1", "resources": resources}, "S1") == {
        "maintenance": {"cpus": 1.5, "mem": 10.0}
    }
    with pytest.raises(InvalidRequest, match="Missing 'slaveId'"):
        parse_reservation({"resources": resources}, "S1")
    with pytest.raises(InvalidRequest, match="No agent found with specified ID: S2"):
        parse_reservation({"slaveId": "S2", "resources": resources}, "S1")
    with pytest.raises(InvalidRequest, match="Error in parsing 'resources'"):
        parse_reservation({"slaveId": "S1", "resources": "[{"}, "S1")
    unreserved = json.dumps([{"name": "cpus", "type": "SCALAR", "scalar": {"value": 1}, "role": "*"}])
    with pytest.raises(InvalidRequest, match="dynamically reserved for a role"):
        parse_reservation({"slaveId": "S1", "resources": unreserved}, "S1")


@pytest.fixture
def master() -> Maintenance:
    cluster = SimpleNamespace(store=Store(None), agent=SimpleNamespace(hostname="a", agent_id="S1"))
    return Maintenance(cluster)


def test_machines_go_draining_down_and_up(master: Maintenance) -> None:
    machine = {"hostname": "a", "ip": "10.0.0.1"}
    with pytest.raises(InvalidRequest, match="not part of a maintenance schedule"):
        master.machine_down([machine])
    master.set_schedule(parse_schedule({"windows": [_window([HOST_A])]}))
    assert master.status() == {"draining_machines": [{"id": machine}]}
    assert not master.agent_is_down()
    master.machine_down([machine])
    assert master.status() == {"down_machines": [machine]} and master.agent_is_down()
    with pytest.raises(InvalidRequest, match="cannot be removed from the schedule"):
        master.set_schedule({})
    with pytest.raises(InvalidRequest, match="not in DRAINING mode"):
        master.machine_down([machine])
    master.machine_up([machine])
    assert master.status() == {} and master.schedule() == {} and not master.agent_is_down()
    with pytest.raises(InvalidRequest, match="not in DOWN mode"):
        master.machine_up([machine])


def test_reservations_need_free_resources_and_unreserve_what_is_held(master: Maintenance) -> None:
    with pytest.raises(Conflict, match="Invalid RESERVE Operation"):
        master.reserve({"maintenance": {"cpus": 3.0}}, {"cpus": 2.0})
    master.reserve({"maintenance": {"cpus": 2.0, "mem": 5.0}}, {"cpus": 2.0, "mem": 10.0})
    assert master.reservations() == {"maintenance": {"cpus": 2.0, "mem": 5.0}}
    with pytest.raises(Conflict, match="Invalid UNRESERVE Operation"):
        master.unreserve({"maintenance": {"cpus": 2.5}})
    master.unreserve({"maintenance": {"cpus": 2.0}})
    assert master.reservations() == {"maintenance": {"cpus": 0.0, "mem": 5.0}}
    master.unreserve({"maintenance": {"mem": 5.0}})
    assert master.reservations() == {}


def test_forgotten_hosts_are_past_their_window_plus_the_grace() -> None:
    status = {
        "draining_machines": [{"id": {"hostname": "a", "ip": "10.0.0.1"}}, {"id": {"hostname": "c"}}],
        "down_machines": [{"hostname": "b", "ip": "10.0.0.2"}],
    }
    minute = 60 * NS
    schedule = {"windows": [_window([HOST_A, HOST_B], start=0, duration=minute), _window([HOST_B], 0, 0)]}
    schedule["windows"].append(_window([maintenance.MachineId("c")], start=30 * minute))
    assert maintenance.hosts_forgotten_draining(status, schedule, now_ns=5 * minute) == []
    assert maintenance.hosts_forgotten_draining(status, schedule, now_ns=11 * minute) == ["a"]
    assert maintenance.hosts_forgotten_down(status, schedule, now_ns=10 * minute) == []
    assert maintenance.hosts_forgotten_down(status, schedule, now_ns=12 * minute) == ["b"]
    assert maintenance.machines_of(status, ["b", "a", "z"]) == [HOST_B, HOST_A, maintenance.MachineId("z")]


def test_an_at_risk_tasks_replacement_still_to_launch_is_not_scaled_away() -> None:
    from paasta_tools.marathon import bounce_plan

    started = datetime.datetime(2017, 4, 20, tzinfo=datetime.UTC)
    task = MarathonTask("/svc.main.git1.config1.t1", "/svc.main.git1.config1", "a", started_at=started)
    app = MarathonAppState("/svc.main.git1.config1", instances=2, tasks=(task,))
    facts = bounce_plan.TaskFacts(happy_ids=frozenset({task.id}), draining_hosts=frozenset({"a"}))
    plan = bounce_plan.plan_deploy(
        "svc.main", {"id": "svc.main.git1.config1", "instances": 1}, [app], facts, "crossover"
    )
    # desired 1 + 1 at risk = the app's 2 instances: no scaling either way, nothing drained yet
    assert plan.scale_new_app_to is None and plan.tasks_to_drain == ()
    one_instance = MarathonAppState(app.id, instances=1, tasks=(task,))
    plan = bounce_plan.plan_deploy("svc.main", {"id": app.id, "instances": 1}, [one_instance], facts, "crossover")
    assert plan.scale_new_app_to == 2
