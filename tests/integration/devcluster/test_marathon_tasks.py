"""Contract tests of app tasks, global tasks and task kills of the devcluster Marathon."""

from __future__ import annotations

import re

import pytest

from tests.integration.devcluster.test_marathon_apps import create, wait_for, wait_running

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


@pytest.fixture
def handle(devcluster_factory):
    return devcluster_factory(apis=("marathon",))


def test_app_tasks_have_marathon_task_json(handle, marathon, client):
    create(marathon, "/svc/main", instances=2, portDefinitions=[{"port": 0}, {"port": 0}])
    wait_running(client, "/svc/main", 2)
    tasks = marathon("GET", "/v2/apps//svc/main/tasks").json()["tasks"]
    agent = handle.cluster.agent
    for task in tasks:
        assert re.fullmatch(r"svc_main\.[0-9a-f-]{36}", task["id"])
        assert task["appId"] == "/svc/main"
        assert (task["host"], task["slaveId"], task["state"]) == (agent.hostname, agent.agent_id, "TASK_RUNNING")
        assert TIMESTAMP.match(task["stagedAt"]) and TIMESTAMP.match(task["startedAt"])
        assert len(task["ports"]) == 2 and all(31000 <= p <= 32000 for p in task["ports"])
        assert task["version"] == marathon("GET", "/v2/apps/svc/main").json()["app"]["version"]
        assert "servicePorts" not in task
    assert len({p for t in tasks for p in t["ports"]}) == 4
    parsed = client.list_tasks("/svc/main")
    assert sorted(t.id for t in parsed) == sorted(t["id"] for t in tasks)
    assert marathon("GET", "/v2/apps/nope/tasks").status_code == 404


def test_global_tasks_carry_service_ports_and_filter_by_status(marathon, client):
    create(marathon, "/a")
    create(marathon, "/b", instances=2)
    wait_running(client, "/b", 2)
    tasks = marathon("GET", "/v2/tasks").json()["tasks"]
    assert len(tasks) == 3
    assert {tuple(t["servicePorts"]) for t in tasks} == {(10000,), (10001,)}
    assert len(marathon("GET", "/v2/tasks?status=running").json()["tasks"]) == 3
    assert marathon("GET", "/v2/tasks?status=staging").json()["tasks"] == []
    assert len(client.list_tasks()) == 3
    text = marathon("GET", "/v2/tasks", headers={"Accept": "text/plain"}).text
    assert text.splitlines()[0].startswith("a\t10000\t127.0.0.1:")


def test_kill_without_scale_replaces_the_task(marathon, client):
    create(marathon, "/k", instances=2)
    app = wait_running(client, "/k", 2)
    victim = app.tasks[0].id
    killed = client.kill_task("/k", victim)
    assert killed.id == victim
    wait_for(lambda: victim not in {t.id for t in client.get_app("/k").tasks})
    assert len(wait_running(client, "/k", 2).tasks) == 2
    assert client.get_app("/k").instances == 2


def test_kill_with_scale_lowers_instances(marathon, client):
    create(marathon, "/s", instances=3)
    app = wait_running(client, "/s", 3)
    response = marathon("DELETE", f"/v2/apps//s/tasks/{app.tasks[0].id}", params={"scale": "True"})
    assert response.status_code == 200
    assert set(response.json()) == {"version", "deploymentId"}
    assert client.get_app("/s").instances == 2
    wait_running(client, "/s", 2)
    all_killed = marathon("DELETE", "/v2/apps/s/tasks", params={"scale": "true"})
    assert all_killed.status_code == 200
    assert client.get_app("/s").instances == 0
    wait_for(lambda: client.get_app("/s").tasks == [])


def test_kill_all_tasks_returns_task_json_and_errors(marathon, client):
    create(marathon, "/all", instances=2)
    wait_running(client, "/all", 2)
    killed = client.kill_tasks("/all")
    assert len(killed) == 2 and all(t.app_id == "/all" for t in killed)
    both = marathon("DELETE", "/v2/apps/all/tasks", params={"scale": "true", "wipe": "true"})
    assert both.status_code == 400
    assert both.json() == {"message": "You cannot use scale and wipe at the same time."}
    missing = marathon("DELETE", "/v2/apps/all/tasks/all.0000")
    assert missing.status_code == 404
    assert missing.json() == {"message": "Task 'all.0000' does not exist"}
    assert marathon("DELETE", "/v2/apps/none/tasks").json() == {"message": "App '/none' does not exist"}


def test_tasks_delete_kills_given_ids(marathon, client):
    create(marathon, "/d1", instances=2)
    create(marathon, "/d2", instances=1)
    first = wait_running(client, "/d1", 2).tasks[0].id
    second = wait_running(client, "/d2", 1).tasks[0].id
    assert client.kill_given_tasks([first, second, "d1.not-a-real-task"], scale=True, force=True) is True
    assert (client.get_app("/d1").instances, client.get_app("/d2").instances) == (1, 0)
    wait_for(lambda: len(client.get_app("/d1").tasks) == 1 and client.get_app("/d2").tasks == [])
    invalid = marathon("POST", "/v2/tasks/delete", json={"ids": ["nodot"]})
    assert invalid.status_code == 400
    assert invalid.json()["message"].startswith("Invalid task id 'nodot'.")
    plain = marathon("POST", "/v2/tasks/delete", json={"ids": [client.get_app("/d1").tasks[0].id]})
    assert plain.status_code == 200 and len(plain.json()["tasks"]) == 1
    wait_running(client, "/d1", 1)


def test_task_stats_embed(marathon, client):
    create(marathon, "/stats", instances=2)
    wait_running(client, "/stats", 2)
    app = marathon("GET", "/v2/apps?embed=apps.taskStats").json()["apps"][0]
    total = app["taskStats"]["totalSummary"]["stats"]
    assert total["counts"] == {"staged": 0, "running": 2, "healthy": 0, "unhealthy": 0}
    assert total["lifeTime"]["averageSeconds"] >= 0
    parsed = client.list_apps(embed_task_stats=True)[0]
    assert parsed.task_stats is not None


def test_mesos_view_lists_running_and_completed_tasks(handle, marathon, client):
    create(marathon, "/meso", instances=2, portDefinitions=[{"port": 0}])
    tasks = wait_running(client, "/meso", 2).tasks
    framework = handle.cluster.frameworks["marathon"]
    running = {t["id"]: t for t in framework.mesos_tasks()}
    assert set(running) == {t.id for t in tasks}
    first = running[tasks[0].id]
    assert first["state"] == "TASK_RUNNING" and first["slave_id"] == handle.cluster.agent.agent_id
    assert first["resources"]["ports"] == f"[{tasks[0].ports[0]}-{tasks[0].ports[0]}]"
    client.kill_task("/meso", tasks[0].id)
    completed = wait_for(lambda: framework.completed_mesos_tasks())
    assert completed[0]["id"] == tasks[0].id and completed[0]["state"] == "TASK_KILLED"
    assert completed[0]["statuses"][-1]["state"] == "TASK_KILLED"


def test_put_many_apps_in_one_deployment(marathon, client):
    create(marathon, "/many/a")
    bodies = [{"id": "/many/a", "instances": 2}, {"id": "/many/b", "cmd": "true", "cpus": 0.01, "mem": 8}]
    wait_for(marathon.deployments_done)
    response = marathon("PUT", "/v2/apps", json=bodies)
    assert response.status_code == 200
    deployments = marathon("GET", "/v2/deployments").json()
    assert [d["affectedApps"] for d in deployments] == [["/many/a", "/many/b"]]
    assert [[a["action"] for a in s["actions"]] for s in deployments[0]["steps"]] == [
        ["StartApplication"],
        ["ScaleApplication", "ScaleApplication"],
    ]
    wait_running(client, "/many/a", 2)
    wait_running(client, "/many/b", 1)
    assert marathon("PATCH", "/v2/apps", json=[{"id": "/many/c", "instances": 1}]).status_code == 404
