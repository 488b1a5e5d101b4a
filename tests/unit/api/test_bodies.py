"""Status bodies built from the status models, and the Mesos task picking of the tasks routes."""

from __future__ import annotations

import datetime

from paasta_tools.api import bodies
from paasta_tools.config.marathon_config import MarathonServiceConfig
from paasta_tools.marathon.deploy_status import QueueStatus
from paasta_tools.status.chronos import ChronosInstanceStatus, ChronosJobStatus
from paasta_tools.status.marathon import build_marathon_status
from paasta_tools.status.mesos_tasks import MesosTaskRow

NOW = datetime.datetime(2017, 3, 15, 10, 20, 30, tzinfo=datetime.UTC)
APP_ID = "svc.main.gitabcdef01.configdeadbeef"
OLD_ID = "svc.main.gitabcdef01.configcafecafe"
BRANCH = {"docker_image": "services-svc:paasta-abcdef0123456789", "desired_state": "start", "force_bounce": None}


def _app(app_id: str, hosts: list[str]) -> dict:
    tasks = [
        {"id": f"{app_id}.u{n}", "host": h, "ports": [31000 + n], "state": "TASK_RUNNING"} for n, h in enumerate(hosts)
    ]
    return {"id": "/" + app_id, "instances": len(hosts), "tasksRunning": len(hosts), "deployments": [], "tasks": tasks}


def test_marathon_body_of_a_bouncing_delayed_app() -> None:
    config = MarathonServiceConfig("svc", "c1", "main", {"instances": 3, "bounce_method": "upthendown"}, BRANCH)
    queue = [QueueStatus("/" + APP_ID, count=1, time_left_seconds=42.5, overdue=False)]
    apps = [_app(APP_ID, ["h2", "h1", "h2"]), _app(OLD_ID, ["h3"])]
    status = build_marathon_status(config, APP_ID, apps, queue, None, NOW)
    assert bodies.marathon_body(status) == {
        "app_count": 2,
        "desired_state": "start",
        "bounce_method": "upthendown",
        "app_id": APP_ID,
        "slaves": ["h1", "h2"],
        "expected_instance_count": 3,
        "deploy_status": "Delayed",
        "running_instance_count": 3,
        "backoff_seconds": 42,
    }


def test_marathon_body_of_a_missing_app() -> None:
    config = MarathonServiceConfig("svc", "c1", "main", {"instances": 2}, {**BRANCH, "desired_state": "stop"})
    body = bodies.marathon_body(build_marathon_status(config, APP_ID, [], [], None, NOW))
    assert body["deploy_status"] == "NotRunning" and body["app_count"] == 0 and body["slaves"] == []
    assert (body["desired_state"], body["expected_instance_count"], body["running_instance_count"]) == ("stop", 0, 0)
    assert "backoff_seconds" not in body


def _job(name: str, **fields) -> ChronosJobStatus:
    values = dict(
        name=name, temporary=False, disabled=False, graph_state="idle", last_result="NotRun", last_time=None,
        schedule="R/2099-01-01T00:00:00Z/P1D", time_zone=None, epsilon="PT60S", parents=(), command="echo hi",
    )  # fmt: skip
    values.update(fields)
    return ChronosJobStatus(**values)


def test_chronos_body_takes_the_regular_jobs_fields() -> None:
    row = MesosTaskRow("ct:1:0:svc main:", "h1", 1024.0, 0.5, NOW, "TASK_RUNNING")
    rerun = _job("tmp-2017-03-15T10:20:30 svc main", temporary=True, last_result="Fail", last_time=NOW)
    regular = _job("svc main", last_result="Success", last_time=NOW, running_tasks=(row,))
    status = ChronosInstanceStatus("svc", "main", "c1", "abcdef01", False, (rerun, regular), NOW)
    body = bodies.chronos_body(status, "start")
    assert body["desired_state"] == "start" and body["disabled"] is False
    assert [job["name"] for job in body["jobs"]] == ["tmp-2017-03-15T10:20:30 svc main", "svc main"]
    assert body["status"] == {"disabled_state": "scheduled", "chronos_state": "idle", "mesos_state": "running"}
    assert body["schedule"] == {"schedule": "R/2099-01-01T00:00:00Z/P1D", "epsilon": "PT60S", "time_zone": "UTC"}
    assert body["last_status"] == {"result": "success", "time": "2017-03-15T10:20:30+00:00"}
    assert body["jobs"][0]["last_status"]["result"] == "fail"
    assert body["jobs"][1]["running_tasks"][0]["task_id"] == "ct:1:0:svc main:"


def test_chronos_body_of_a_dependent_job_and_of_none() -> None:
    dependent = _job("svc report", schedule=None, parents=("svc nightly",), disabled=True, graph_state=None)
    status = ChronosInstanceStatus("svc", "report", "c1", "abcdef01", True, (dependent,), NOW)
    body = bodies.chronos_body(status, "stop")
    assert body["schedule_type"] == "parents" and body["parents"] == ["svc nightly"] and "schedule" not in body
    assert body["status"]["disabled_state"] == "not_scheduled" and body["status"]["chronos_state"] == "unknown"
    assert body["last_status"] == {"result": "not_run", "time": "never"}
    empty = bodies.chronos_body(ChronosInstanceStatus("svc", "x", "c1", "abcdef01", False, (), NOW), "start")
    assert empty == {
        "desired_state": "start",
        "disabled": False,
        "jobs": [],
        "error_message": "chronos job is not set up yet",
    }


STATE = {
    "slaves": [{"id": "S1", "hostname": "h1", "pid": "slave(1)@127.0.0.1:5051"}, {"id": "S2", "hostname": "h2"}],
    "frameworks": [
        {
            "tasks": [
                {"id": f"{APP_ID}.a", "slave_id": "S1", "state": "TASK_RUNNING"},
                {"id": f"{APP_ID}.b", "slave_id": "S2", "state": "TASK_RUNNING"},
                {"id": f"{APP_ID}.c", "slave_id": "S2", "state": "TASK_STAGING"},
                {"id": f"{OLD_ID}.d", "slave_id": "S1", "state": "TASK_RUNNING"},
            ],
            "completed_tasks": [{"id": f"{APP_ID}.e", "slave_id": "S1", "state": "TASK_KILLED"}],
        }
    ],
}


def test_app_tasks_are_the_running_tasks_of_the_app() -> None:
    assert [t["id"] for t in bodies.app_tasks(STATE, "/" + APP_ID)] == [f"{APP_ID}.a", f"{APP_ID}.b"]
    assert [t["id"] for t in bodies.app_tasks(STATE, APP_ID, slave_hostname="h2")] == [f"{APP_ID}.b"]
    assert bodies.app_tasks(STATE, APP_ID, slave_hostname="h9") == []
    assert bodies.task_id_prefix("/group/app") == "group_app."


def test_verbose_task_info() -> None:
    task = STATE["frameworks"][0]["tasks"][0]
    assert bodies.slave_of(STATE, task)["hostname"] == "h1"
    agent = {
        "frameworks": [
            {"executors": [{"id": "other", "tasks": [{"id": "x"}]}, {"id": "e1", "container": "c1", "tasks": [task]}]}
        ]
    }
    assert bodies.executor_of(agent, task["id"]) == {"id": "e1", "container": "c1"}
    assert bodies.executor_of(agent, "nothing") is None
    verbose = bodies.with_verbose_info(task, {"id": "S1"}, None)
    assert verbose["slave"] == {"id": "S1"} and verbose["executor"] is None and verbose["id"] == task["id"]


def test_the_error_body_counts_the_instances_apps_as_upstream() -> None:
    apps = [_app(APP_ID, ["h1"]), _app(OLD_ID, []), _app("svc.canary.gitabcdef01.configdeadbeef", ["h1"])]
    assert bodies.instance_app_count(apps, "svc", "main") == 2
    assert bodies.marathon_error_body(2, "start", "crossover", bodies.NO_DOCKER_IMAGE_MESSAGE) == {
        "app_count": 2,
        "desired_state": "start",
        "bounce_method": "crossover",
        "error_message": "Docker image is not in deployments.json.",
    }
