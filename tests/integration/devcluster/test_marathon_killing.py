"""Kills on the devcluster Marathon with real processes: a killed task is TASK_KILLING (listed, not running)
until its process ends, then TASK_KILLED; taskKillGracePeriodSeconds is the TERM-to-KILL grace; a task on
a machine brought DOWN is TASK_LOST (the agent was removed) and replaced once the machine is up."""

from __future__ import annotations

import time

import pytest
import requests

from paasta_tools import maintenance
from paasta_tools.clients.mesos_maintenance import MesosMaintenanceClient
from paasta_tools.devcluster.executors.base import TaskState, TaskStatus
from paasta_tools.devcluster.executors.noop import NoopExecutor
from paasta_tools.devcluster.executors.process import ProcessExecutor
from tests.integration.devcluster.test_marathon_apps import Api, create, validating_client, wait_for
from tests.integration.devcluster.test_marathon_engine import _events_until
from tests.integration.devcluster.test_marathon_processes import _pids_of_task, free_port_range

# Ignores TERM (the ignored disposition is inherited by sleep): only the KILL after the grace period ends it.
STUBBORN = "trap '' TERM; touch trapped; sleep 1000"
AGENT = maintenance.MachineId("127.0.0.1", "127.0.0.1")


class HeldKillExecutor(NoopExecutor):
    """The no-op executor, except that a killed task runs on until the test ``release``s it."""

    def __init__(self) -> None:
        super().__init__()
        self.kills: list[str] = []
        self.forgotten: list[str] = []

    async def kill(self, task_id: str, grace_seconds: float = 3.0) -> None:
        self.kills.append(task_id)

    def release(self, task_id: str) -> None:
        status = self._tasks[task_id]
        self._tasks[task_id] = TaskStatus(TaskState.KILLED, None, "killed", status.started_at, time.time())

    async def forget(self, task_id: str) -> None:
        self.forgotten.append(task_id)
        await super().forget(task_id)


@pytest.fixture
def handle(devcluster_factory, tmp_path):
    executor = ProcessExecutor(tmp_path / "processes")
    return devcluster_factory(executor=executor, apis=("marathon", "mesos"), port_range=free_port_range())


def _states(marathon: Api, path: str) -> dict[str, str]:
    return {t["id"]: t["state"] for t in marathon("GET", path).json()["tasks"]}


def _completed_tasks(handle) -> dict[str, dict]:
    state = requests.get(f"{handle.mesos_url}/master/state", timeout=5).json()
    return {t["id"]: t for f in state["frameworks"] for t in f["completed_tasks"]}


def _completed(handle) -> dict[str, str]:
    return {task_id: task["state"] for task_id, task in _completed_tasks(handle).items()}


def test_a_killed_task_is_killing_until_the_grace_period_ends(handle, marathon, client):
    create(marathon, "/stubborn", cmd=STUBBORN, taskKillGracePeriodSeconds=2)
    (task,) = wait_for(lambda: client.get_app("/stubborn").tasks_running == 1 and client.get_app("/stubborn").tasks)
    wait_for(lambda: (handle.cluster.executor.sandbox(task.id) / "trapped").exists())
    pids = _pids_of_task(task.id)
    assert pids
    killed_at = time.monotonic()
    client.kill_task("/stubborn", task.id)

    assert wait_for(lambda: _states(marathon, "/v2/apps/stubborn/tasks").get(task.id) == "TASK_KILLING")
    assert _states(marathon, "/v2/tasks")[task.id] == "TASK_KILLING"
    assert task.id not in _states(marathon, "/v2/tasks?status=running")
    # The replacement starts while the killed task is still going away; only it counts as running.
    app = wait_for(lambda: (a := client.get_app("/stubborn")).tasks_running == 1 and len(a.tasks) == 2 and a)
    assert app.tasks_staged == 0 and _pids_of_task(task.id) == pids  # TERM was ignored: still running

    wait_for(lambda: _completed(handle).get(task.id) == "TASK_KILLED", timeout=10)
    elapsed = time.monotonic() - killed_at
    assert 1.5 <= elapsed < 8  # TERM was ignored: the KILL came after the 2 s grace
    assert _pids_of_task(task.id) == []
    statuses = [s["state"] for s in _completed_tasks(handle)[task.id]["statuses"]]
    assert statuses == ["TASK_STAGING", "TASK_RUNNING", "TASK_KILLING", "TASK_KILLED"]
    assert task.id not in _states(marathon, "/v2/apps/stubborn/tasks")
    assert client.get_app("/stubborn").last_task_failure is None  # a kill is no failure


def test_a_task_that_honours_term_ends_long_before_its_grace_period(handle, marathon, client):
    create(marathon, "/polite", cmd="sleep 1000", taskKillGracePeriodSeconds=60)
    (task,) = wait_for(lambda: client.get_app("/polite").tasks_running == 1 and client.get_app("/polite").tasks)
    killed_at = time.monotonic()
    marathon("DELETE", f"/v2/apps/polite/tasks/{task.id}", params={"scale": "true"})
    wait_for(lambda: _completed(handle).get(task.id) == "TASK_KILLED", timeout=10)
    assert time.monotonic() - killed_at < 5
    wait_for(marathon.deployments_done)
    assert client.get_app("/polite").instances == 0


def test_a_task_on_a_machine_brought_down_is_lost_and_replaced_once_it_is_up(handle, marathon, client):
    create(marathon, "/maint", cmd="sleep 1000")
    (task,) = wait_for(lambda: client.get_app("/maint").tasks_running == 1 and client.get_app("/maint").tasks)
    master = MesosMaintenanceClient(handle.mesos_url)
    master.post_schedule(maintenance.drain_schedule({}, [AGENT], 0, 3600 * maintenance.NANOSECONDS))
    master.machines_down([AGENT])

    wait_for(lambda: _completed(handle).get(task.id) == "TASK_LOST", timeout=10)
    failure = client.get_app("/maint").last_task_failure
    assert (failure.task_id, failure.state) == (task.id, "TASK_LOST")
    assert failure.message == "Slave 127.0.0.1 removed: Operator initiated 'Machine DOWN'"
    wait_for(lambda: _pids_of_task(task.id) == [], timeout=10)  # the agent's shutdown ended the process
    assert client.get_app("/maint").tasks == []  # no offers from a DOWN machine

    master.machines_up([AGENT])
    (replacement,) = wait_for(lambda: client.get_app("/maint").tasks_running == 1 and client.get_app("/maint").tasks)
    assert replacement.id != task.id


def test_killing_is_reported_until_the_executor_confirms_and_lost_tasks_survive_a_restart(devcluster_factory, tmp_path):
    executor, data_dir = HeldKillExecutor(), tmp_path / "held"
    first = devcluster_factory(executor=executor, apis=("marathon", "mesos"), data_dir=data_dir)
    marathon, client = Api(first.marathon_url), validating_client(first.marathon_url)
    create(marathon, "/held")
    (task,) = wait_for(lambda: client.get_app("/held").tasks_running == 1 and client.get_app("/held").tasks)
    events = _events_until(marathon, "status_update_event", lambda: client.kill_task("/held", task.id))
    assert (events[-1]["taskId"], events[-1]["taskStatus"]) == (task.id, "TASK_KILLING")
    wait_for(lambda: len(_states(marathon, "/v2/apps/held/tasks")) == 2)  # the replacement
    time.sleep(0.5)  # several reconcile rounds: the executor still runs it, so it stays TASK_KILLING
    assert _states(marathon, "/v2/apps/held/tasks")[task.id] == "TASK_KILLING"
    assert client.get_app("/held").tasks_running == 1
    executor.release(task.id)
    wait_for(lambda: task.id not in _states(marathon, "/v2/apps/held/tasks"))

    (lost,) = client.get_app("/held").tasks
    master = MesosMaintenanceClient(first.mesos_url)
    master.post_schedule(maintenance.drain_schedule({}, [AGENT], 0, 3600 * maintenance.NANOSECONDS))
    master.machines_down([AGENT])
    wait_for(lambda: client.get_app("/held").tasks == [] and lost.id in executor.kills)
    assert first.cluster.store.get("marathon_task", lost.id)["state"] == "TASK_LOST"  # its process still runs
    first.stop()

    second = devcluster_factory(executor=executor, apis=("marathon", "mesos"), data_dir=data_dir)
    client = validating_client(second.marathon_url)
    wait_for(lambda: executor.kills.count(lost.id) == 2)  # the restarted Marathon stops it again
    assert client.get_app("/held").tasks == [] and lost.id not in executor.forgotten
    executor.release(lost.id)
    wait_for(lambda: lost.id in executor.forgotten)
    assert second.cluster.store.get("marathon_task", lost.id) is None
