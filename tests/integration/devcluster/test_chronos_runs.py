"""Chronos jobs really running on the devcluster: schedules, retries, dependencies, kills, restarts.

The no-op executor finishes Chronos tasks at once; the process executor runs the job's command as
a local process, so these tests also check what the command printed.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import chronos
import pytest
import requests

from paasta_tools.devcluster.cluster import Cluster, DevclusterSettings
from paasta_tools.devcluster.executors.noop import NoopExecutor
from paasta_tools.devcluster.executors.process import ProcessExecutor
from paasta_tools.devcluster.server import start_in_thread
from tests.conftest import free_port
from tests.support.waiting import wait_for

LATER = "R/2099-01-01T00:00:00Z/P1D"


def job_def(name: str, command: str = "echo ran", **extra: object) -> dict:
    job = {"name": name, "command": command, "owner": "team@example.com", "disabled": False, "async": False}
    job.update(extra)
    if "parents" not in job:
        job.setdefault("schedule", LATER)
    return job


def connect(running) -> chronos.ChronosClient:
    return chronos.connect([running.chronos_url.removeprefix("http://")], scheduler_api_version=None)


def by_name(client, name: str) -> dict:
    return next(job for job in client.list() if job["name"] == name)


def runs(running, name: str):
    return running.cluster.frameworks["chronos"].state.runs_of(name)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@pytest.fixture
def processes(devcluster_factory, tmp_path: Path):
    return devcluster_factory(
        executor=ProcessExecutor(tmp_path / "process-executor"), apis=("chronos", "mesos"), chronos_failure_retry=0.2
    )


def test_a_scheduled_job_runs_on_time_and_its_schedule_is_rewritten(devcluster_factory) -> None:
    running = devcluster_factory(apis=("chronos",))
    client = connect(running)
    start = (datetime.now(UTC) + timedelta(seconds=3)).replace(microsecond=0)
    client.add(job_def("svc main", schedule=f"R/{iso(start)}/PT1M"))
    rewritten = f"R/{iso(start + timedelta(minutes=1))}/PT1M"
    assert wait_for(lambda: by_name(client, "svc main")["schedule"] == rewritten, timeout=2)
    assert by_name(client, "svc main")["successCount"] == 0
    job = wait_for(lambda: (found := by_name(client, "svc main"))["successCount"] == 1 and found, timeout=6)
    assert datetime.fromisoformat(job["lastSuccess"]) >= start
    assert runs(running, "svc main")[0].task_id == f"ct:{int(start.timestamp() * 1000)}:0:svc main:"
    # Once the run is due, the next occurrence is inside the 60 s horizon: it is queued and skipped over.
    assert job["schedule"] == f"R/{iso(start + timedelta(minutes=2))}/PT1M"
    queued = running.cluster.frameworks["chronos"].state.tasks
    assert list(queued) == [f"ct:{int((start + timedelta(minutes=1)).timestamp() * 1000)}:0:svc main:"]


def test_a_disabled_job_never_runs(devcluster_factory) -> None:
    client = connect(running := devcluster_factory(apis=("chronos",)))
    start = (datetime.now(UTC) + timedelta(seconds=1)).replace(microsecond=0)
    client.add(job_def("svc off", schedule=f"R/{iso(start)}/PT1M", disabled=True))
    client.run("svc off")
    wait_for(lambda: datetime.now(UTC) > start + timedelta(seconds=1), timeout=5)
    job = by_name(client, "svc off")
    assert (job["successCount"], job["schedule"]) == (0, f"R/{iso(start)}/PT1M")
    assert runs(running, "svc off") == []


def test_the_command_runs_as_a_process_with_chronos_variables(processes) -> None:
    client = connect(processes)
    client.add(job_def("svc main", 'echo "hello from $CHRONOS_JOB_NAME owned by $CHRONOS_JOB_OWNER"'))
    client.run("svc main")
    wait_for(lambda: by_name(client, "svc main")["successCount"] == 1, timeout=10)
    (run,) = runs(processes, "svc main")
    assert run.stdout.strip() == "hello from svc main owned by team@example.com"
    assert (run.state, run.exit_code) == ("TASK_FINISHED", 0)


def test_a_job_with_two_parents_runs_once_both_have_succeeded(processes) -> None:
    client = connect(processes)
    client.add(job_def("svc first", "echo first"))
    client.add(job_def("other second", "echo second"))
    client.add(job_def("svc child", "echo child", parents=["svc first", "other second"]))
    client.run("svc first")
    wait_for(lambda: by_name(client, "svc first")["successCount"] == 1, timeout=10)
    wait_for(lambda: "node,svc first,success,idle" in client.scheduler_graph(), timeout=5)
    assert by_name(client, "svc child")["successCount"] == 0
    client.run("other second")
    wait_for(lambda: by_name(client, "svc child")["successCount"] == 1, timeout=10)
    assert [run.stdout for run in runs(processes, "svc child")] == ["child\n"]
    client.run("svc first")
    wait_for(lambda: by_name(client, "svc first")["successCount"] == 2, timeout=10)
    wait_for(lambda: "node,svc first,success,idle" in client.scheduler_graph(), timeout=5)
    assert len(runs(processes, "svc child")) == 1


def test_a_failing_job_retries_then_counts_an_error(processes) -> None:
    client = connect(processes)
    client.add(job_def("svc fails", "echo attempt >&2; exit 3", retries=2))
    client.run("svc fails")
    job = wait_for(lambda: (found := by_name(client, "svc fails"))["errorCount"] == 1 and found, timeout=10)
    assert (job["errorsSinceLastSuccess"], job["successCount"], job["lastSuccess"]) == (1, 0, "")
    assert job["lastError"]
    attempts = runs(processes, "svc fails")
    assert [run.task_id.split(":")[2] for run in attempts] == ["0", "1", "2"]
    assert {(run.state, run.exit_code, run.stderr) for run in attempts} == {("TASK_FAILED", 3, "attempt\n")}
    assert "node,svc fails,failure,idle" in client.scheduler_graph().splitlines()
    # Chronos retries only while the job is not already failing.
    client.run("svc fails")
    wait_for(lambda: by_name(client, "svc fails")["errorCount"] == 2, timeout=10)
    assert len(runs(processes, "svc fails")) == 4
    assert by_name(client, "svc fails")["errorsSinceLastSuccess"] == 2


def test_only_one_copy_of_a_job_runs_at_a_time(processes) -> None:
    client = connect(processes)
    client.add(job_def("svc slow", "sleep 2"))
    client.run("svc slow")
    wait_for(lambda: "node,svc slow,fresh,running" in client.scheduler_graph().splitlines(), timeout=5)
    client.run("svc slow")
    state = requests.get(f"{processes.mesos_url}/master/state", timeout=5).json()
    (framework,) = [framework for framework in state["frameworks"] if framework["name"] == "chronos"]
    assert [(task["name"], task["state"]) for task in framework["tasks"]] == [("ChronosTask:svc slow", "TASK_RUNNING")]
    wait_for(lambda: by_name(client, "svc slow")["successCount"] == 1, timeout=10)
    wait_for(lambda: "node,svc slow,success,idle" in client.scheduler_graph().splitlines(), timeout=5)
    assert len(runs(processes, "svc slow")) == 1


def test_delete_kills_the_running_task(processes) -> None:
    client = connect(processes)
    client.add(job_def("svc long", "sleep 30"))
    client.run("svc long")
    wait_for(lambda: "node,svc long,fresh,running" in client.scheduler_graph().splitlines(), timeout=5)
    client.delete("svc long")
    assert client.list() == []
    (run,) = wait_for(lambda: runs(processes, "svc long"), timeout=10)
    assert run.state == "TASK_KILLED"


def test_killing_tasks_keeps_the_job_and_its_counters(processes) -> None:
    client = connect(processes)
    client.add(job_def("svc long", "sleep 30"))
    client.run("svc long")
    wait_for(lambda: "node,svc long,fresh,running" in client.scheduler_graph().splitlines(), timeout=5)
    client.delete_tasks("svc long")
    wait_for(lambda: "node,svc long,fresh,idle" in client.scheduler_graph().splitlines(), timeout=10)
    job = by_name(client, "svc long")
    assert (job["successCount"], job["errorCount"]) == (0, 0)
    assert [run.state for run in runs(processes, "svc long")] == ["TASK_KILLED"]


def test_a_restarted_devcluster_keeps_jobs_counters_and_history(tmp_path: Path) -> None:
    def start():
        settings = DevclusterSettings(
            data_dir=tmp_path / "data",
            marathon_port=free_port(),
            chronos_port=free_port(),
            mesos_port=free_port(),
            reconcile_interval=0.1,
        )
        return start_in_thread(Cluster(settings, NoopExecutor()), apis=("chronos",))

    first = start()
    try:
        client = connect(first)
        client.add(job_def("svc main"))
        client.add(job_def("svc child", parents=["svc main"]))
        client.run("svc main")
        wait_for(lambda: by_name(client, "svc child")["successCount"] == 1, timeout=5)
        before = client.list()
    finally:
        first.stop()
    second = start()
    try:
        client = connect(second)
        assert sorted(client.list(), key=lambda job: job["name"]) == sorted(before, key=lambda job: job["name"])
        assert client.job_stat("svc main")["histogram"]["count"] == 1
        assert "link,svc main,svc child" in client.scheduler_graph().splitlines()
    finally:
        second.stop()


@pytest.mark.docker
def test_a_container_job_runs_in_docker_with_its_parameters(docker_engine, devcluster_factory, tmp_path: Path) -> None:
    from paasta_tools.devcluster.executors.docker import devcluster_id, remove_devcluster_containers
    from paasta_tools.devcluster.executors.factory import make_executor

    data_dir = tmp_path / "docker-devcluster"
    running = devcluster_factory(executor=make_executor("docker", data_dir), apis=("chronos",), data_dir=data_dir)
    try:
        client = connect(running)
        container = {
            "type": "DOCKER",
            "image": "busybox:latest",
            "network": "BRIDGE",
            "volumes": [],
            "parameters": [{"key": "label", "value": "paasta_service=svc"}],
        }
        command = 'echo "in container as $CHRONOS_JOB_NAME: $(cat /proc/1/cgroup | grep -c docker)"'
        client.add(job_def("svc boxed", command, container=container))
        client.run("svc boxed")
        wait_for(lambda: by_name(client, "svc boxed")["successCount"] == 1, timeout=30)
        (run,) = runs(running, "svc boxed")
        message, _, count = run.stdout.strip().partition(": ")
        assert message == "in container as svc boxed"
        assert int(count) >= 1
    finally:
        running.stop()
        remove_devcluster_containers(devcluster_id(data_dir))


def test_a_task_running_across_a_restart_is_recovered_and_counted(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"

    def start():
        settings = DevclusterSettings(
            data_dir=data_dir,
            marathon_port=free_port(),
            chronos_port=free_port(),
            mesos_port=free_port(),
            reconcile_interval=0.1,
        )
        cluster = Cluster(settings, ProcessExecutor(data_dir))
        return start_in_thread(cluster, kill_tasks_on_stop=False, apis=("chronos",))

    first = start()
    try:
        client = connect(first)
        client.add(job_def("svc across", "sleep 1.5; echo survived"))
        client.run("svc across")
        wait_for(lambda: "node,svc across,fresh,running" in client.scheduler_graph().splitlines(), timeout=5)
    finally:
        first.stop()
    second = start()
    try:
        client = connect(second)
        job = wait_for(lambda: (found := by_name(client, "svc across"))["successCount"] == 1 and found, timeout=10)
        assert job["errorCount"] == 0
        (run,) = runs(second, "svc across")
        assert run.stdout == "survived\n"
    finally:
        second.stop()


def test_a_task_on_a_machine_brought_down_is_lost_and_retried_once_it_is_up(processes) -> None:
    from paasta_tools import maintenance
    from paasta_tools.clients.mesos_maintenance import MesosMaintenanceClient
    from paasta_tools.devcluster.executors.process import pid_start_ticks

    client = connect(processes)
    client.add(job_def("svc long", "echo started; sleep 600", retries=1))
    client.run("svc long")
    wait_for(lambda: "node,svc long,fresh,running" in client.scheduler_graph().splitlines(), timeout=5)
    (task,) = processes.cluster.frameworks["chronos"].state.tasks.values()
    pid = json.loads((processes.cluster.executor.sandbox(task.task_id) / "task.json").read_text())["pid"]
    agent = maintenance.MachineId("127.0.0.1", "127.0.0.1")
    master = MesosMaintenanceClient(processes.mesos_url)
    master.post_schedule(maintenance.drain_schedule({}, [agent], 0, 3600 * maintenance.NANOSECONDS))
    master.machines_down([agent])

    (lost,) = wait_for(lambda: runs(processes, "svc long"), timeout=5)
    assert (lost.task_id, lost.state, lost.exit_code) == (task.task_id, "TASK_LOST", None)
    assert lost.message == "Slave 127.0.0.1 removed: Operator initiated 'Machine DOWN'"
    assert lost.stdout == "started\n"
    wait_for(lambda: pid_start_ticks(pid) is None, timeout=10)  # the agent's shutdown ended the process
    # A lost task is a failure Chronos retries, but a machine that is down gets no task until it is up.
    retry = wait_for(lambda: [t for t in processes.cluster.frameworks["chronos"].state.tasks.values()], timeout=5)
    assert [t.attempt for t in retry] == [1] and not retry[0].running
    master.machines_up([agent])
    wait_for(lambda: "node,svc long,fresh,running" in client.scheduler_graph().splitlines(), timeout=5)
    client.delete_tasks("svc long")
