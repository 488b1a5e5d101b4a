"""The Marathon status model built inline from API JSON, and its exact rendered lines."""

from __future__ import annotations

import datetime

from paasta_tools.config.marathon_config import MarathonServiceConfig
from paasta_tools.marathon.deploy_status import MarathonDeployStatus, QueueStatus
from paasta_tools.marathon.haproxy_csv import HaproxyBackend
from paasta_tools.marathon.tasks import MarathonTask
from paasta_tools.status import marathon as ms
from paasta_tools.status.colors import PLAIN, Palette

NOW = datetime.datetime(2017, 3, 15, 10, 20, 30, tzinfo=datetime.UTC)
APP_ID = "svc.main.gitabcdef01.configdeadbeef"
BRANCH = {"docker_image": "services-svc:paasta-abcdef0123456789", "desired_state": "start", "force_bounce": None}


def _config(branch=BRANCH, **config) -> MarathonServiceConfig:
    config.setdefault("instances", 3)
    return MarathonServiceConfig("svc", "c1", "main", config, branch)


def _app(app_id=APP_ID, running=3, tasks=(), **extra) -> dict:
    return {
        "id": "/" + app_id,
        "instances": 3,
        "tasksRunning": running,
        "tasksHealthy": 0,
        "tasksUnhealthy": 0,
        "deployments": [],
        "version": "2017-03-15T10:18:30.000Z",
        "tasks": list(tasks),
        **extra,
    }


def _task(n: int, alive=None) -> dict:
    task = {
        "id": f"svc.main.gitabcdef01.configdeadbeef.uuid{n}",
        "appId": "/" + APP_ID,
        "host": "host1.example.com",
        "ports": [31000 + n],
        "stagedAt": "2017-03-15T10:18:30.000Z",
        "startedAt": "2017-03-15T10:18:31.000Z",
        "state": "TASK_RUNNING",
    }
    if alive is not None:
        task["healthCheckResults"] = [{"alive": alive}]
    return task


def _mesos_state(*tasks) -> dict:
    return {
        "slaves": [{"id": "S1", "hostname": "host1.example.com"}],
        "frameworks": [{"tasks": list(tasks), "completed_tasks": []}],
    }


def _mesos_task(n: int, state="TASK_RUNNING", instance="main") -> dict:
    return {
        "id": f"svc.{instance}.gitabcdef01.configdeadbeef.uuid{n}",
        "slave_id": "S1",
        "state": state,
        "resources": {"cpus": 0.25, "mem": 1024.0},
        "statuses": [{"state": "TASK_STAGING", "timestamp": NOW.timestamp() - 120 + n}],
    }


def _build(apps, queue=(), mesos=None, config=None, **kwargs) -> ms.MarathonInstanceStatus:
    return ms.build_marathon_status(config or _config(), APP_ID, apps, list(queue), mesos, NOW, **kwargs)


def test_running_app_lines() -> None:
    mesos = _mesos_state(_mesos_task(1), _mesos_task(2), _mesos_task(3), _mesos_task(4, instance="other"))
    status = _build([_app()], mesos=mesos)
    assert status.deploy_status is MarathonDeployStatus.Running and status.git_sha == "abcdef01"
    assert ms.render_marathon_status(status, 0, PLAIN) == [
        "Desired State:      Configured and Started",
        "Marathon:   Healthy - up with (3/3) instances. Status: Running",
        "Mesos:      Healthy - (3/3) tasks in the TASK_RUNNING state.",
    ]


def test_bouncing_warning_and_colours() -> None:
    old = _app("svc.main.gitold.configold", running=2)
    status = _build([_app(running=1, deployments=[{"id": "d1"}]), old], mesos=_mesos_state())
    p = Palette()
    assert ms.desired_state_line(status, PLAIN) == "Desired State:      Bouncing (crossover) and Started"
    assert ms.marathon_line(status, PLAIN) == "Marathon:   Warning - up with (1/3) instances. Status: Deploying"
    assert ms.marathon_line(status, p) == (
        "Marathon:   \033[33mWarning\033[0m - up with \033[33m(1/3)\033[0m instances. Status: \033[33mDeploying\033[0m"
    )
    assert ms.mesos_line(status, PLAIN) == "Mesos:      Critical - (0/3) tasks in the TASK_RUNNING state."
    assert ms.mesos_line(status, p).startswith("Mesos:      \033[31mCritical\033[0m - \033[31m(0/3)\033[0m")


def test_missing_app_and_disabled() -> None:
    status = _build([], mesos=_mesos_state())
    assert status.deploy_status is MarathonDeployStatus.NotRunning
    assert ms.desired_state_line(status, PLAIN) == "Desired State:      Disabled and Started"
    assert ms.marathon_line(status, PLAIN) == (
        f"Marathon:   Warning - svc.main (app {APP_ID}) is not configured in Marathon yet (waiting for bounce)"
    )


def test_stopped_by_desired_state_and_by_zero_instances() -> None:
    stopped = _build([_app(instances=0, running=0)], config=_config({**BRANCH, "desired_state": "stop"}))
    assert stopped.deploy_status is MarathonDeployStatus.Stopped
    assert ms.desired_state_line(stopped, PLAIN) == "Desired State:      Configured and Stopped"
    assert ms.marathon_line(stopped, PLAIN) == "Marathon:   Healthy - up with (0/0) instances. Status: Stopped"
    zero = _build([_app(instances=0, running=0)], config=_config(instances=0))
    assert ms.desired_state_line(zero, PLAIN) == "Desired State:      Configured and Stopped"
    assert ms.desired_state_line(zero, Palette()).endswith("\033[1mStopped\033[0m")
    assert ms.desired_state_line(stopped, Palette()).endswith("\033[31mStopped\033[0m")


def test_delayed_with_backoff_and_last_failure() -> None:
    failure = {"state": "TASK_FAILED", "message": "exited 1", "host": "host1", "timestamp": "2017-03-15T10:20:00.000Z"}
    queue = [QueueStatus("/" + APP_ID, count=3, time_left_seconds=17, overdue=False)]
    status = _build([_app(running=0, lastTaskFailure=failure)], queue=queue)
    assert status.deploy_status is MarathonDeployStatus.Delayed
    lines = ms.render_marathon_status(status, 0, PLAIN)
    assert lines[1] == (
        "Marathon:   Critical - up with (0/3) instances. "
        "Status: Delayed (tasks are crashing, next won't launch for another 17 seconds)"
    )
    assert lines[2:4] == [
        "  Stalled: launch backoff: 3 task(s) queued after crashes",
        "  Stalled: last task failure: TASK_FAILED on host1: exited 1",
    ]


def test_waiting_and_unhealthy_reasons() -> None:
    queue = [QueueStatus(APP_ID, count=2, time_left_seconds=0, overdue=True)]
    status = _build([_app(running=1, tasksUnhealthy=1, tasks=[_task(1, alive=False)])], queue=queue)
    assert ms.deploy_status_text(status.deploy_status, 0, PLAIN) == (
        "Waiting (new tasks waiting for capacity to become available)"
    )
    assert status.stall_reasons == (
        "2 task(s) waiting for resources: no Mesos offer matches the app's cpus/mem/disk/ports/constraints",
        "1 of 1 task(s) failing health checks",
    )


def test_verbose_tables(monkeypatch) -> None:
    monkeypatch.setenv("TZ", "UTC")
    apps = [_app(tasks=[_task(1, alive=True), _task(2, alive=False), _task(3)])]
    mesos = _mesos_state(_mesos_task(1), _mesos_task(7, state="TASK_KILLED"))
    status = _build(apps, mesos=mesos)
    app_lines = ms.app_verbose_lines(status.apps[0], NOW, PLAIN)
    assert app_lines[0] == f"  Marathon app ID: /{APP_ID}"
    assert app_lines[2:] == [
        "    Tasks:",
        "      Mesos Task ID  Host deployed to  Deployed at what localtime        Health",
        "      uuid1          host1:31001       2017-03-15T10:18 (2 minutes ago)  Healthy",
        "      uuid2          host1:31002       2017-03-15T10:18 (2 minutes ago)  Unhealthy",
        "      uuid3          host1:31003       2017-03-15T10:18 (2 minutes ago)  N/A",
    ]
    assert ms.mesos_verbose_lines(status, PLAIN)[1:] == [
        "    Mesos Task ID  Host deployed to   Ram     CPU   Deployed at what localtime",
        "    uuid1          host1.example.com  1024MB  0.25  2017-03-15T10:18 (a minute ago)",
        "  Non-Running Tasks",
        "    Mesos Task ID  Host deployed to   Deployed at what localtime       Status",
        "    uuid7          host1.example.com  2017-03-15T10:18 (a minute ago)  TASK_KILLED",
    ]


def _backend(port: int, status: str, ip="10.0.0.1", lastchg="75") -> HaproxyBackend:
    return HaproxyBackend("svc.main", f"{ip}:{port}_host1", status, ip, port, "host1", "L7OK", "200", "3", lastchg)


def test_smartstack_locations_and_backends() -> None:
    tasks = [MarathonTask(id="t1", host="10.0.0.1", ports=(31001,))]
    backends = {"east": [_backend(31001, "UP"), _backend(31009, "DOWN"), _backend(31002, "MAINT")], "west": []}
    smartstack = ms.build_smartstack_status("svc.main", 4, backends, {}, tasks)
    status = _build([_app()], mesos=_mesos_state(), smartstack=smartstack)
    assert ms.smartstack_lines(status, 0, PLAIN) == [
        "Smartstack:",
        "    east - Healthy - in haproxy with (1/2, 50%) total backends UP in this namespace.",
        "    west - Critical - in haproxy with (0/2, 0%) total backends UP in this namespace.",
    ]
    verbose = ms.smartstack_lines(status, 1, PLAIN)
    assert verbose[1:4] == [
        "  Haproxy Service Name: svc.main",
        "  Backends:",
        "      Name         LastCheck        LastChange    Status",
    ]
    assert verbose[5] == "      host1:31001  L7OK/200 in 3ms  a minute ago  UP"
    grey_row = ms.smartstack_lines(status, 1, Palette())[6]
    assert grey_row.startswith("\033[1m\033[30m      host1:31002")  # MAINT sorts after UP, no task


def test_smartstack_healthy_and_absent() -> None:
    ok = ms.build_smartstack_status("svc.main", 1, {"east": [_backend(31001, "UP")]}, {}, [])
    assert ms.haproxy_backend_report(ok.locations[0], PLAIN) == (
        "east - Healthy - in haproxy with (1/1) total backends UP in this namespace."
    )
    nowhere = _build([_app()], smartstack=ms.build_smartstack_status("svc.main", 1, {}, {}, []))
    assert ms.smartstack_lines(nowhere, 0, PLAIN) == ["Smartstack: ERROR - svc.main is NOT in smartstack at all!"]


def test_synapse_hosts_skip_blacklisted_locations() -> None:
    slaves = [
        {"hostname": "h1", "attributes": {"region": "east"}},
        {"hostname": "h2", "attributes": {"region": "west"}},
    ]
    from paasta_tools.config.smartstack import namespace_config_from_dict

    namespace = namespace_config_from_dict("main", {"proxy_port": 1}, "smartstack.yaml")
    config = _config(monitoring_blacklist=[["region", "west"]])
    assert ms.smartstack_synapse_hosts(config, namespace, slaves) == {"east": "h1"}


def test_tails_follow_their_task_row() -> None:
    tails = {
        "svc.main.gitabcdef01.configdeadbeef.uuid1": ms.TaskTails(
            (ms.StreamTail("stdout", ("line 1", "line 2")), ms.StreamTail("stderr", ()))
        ),
        "svc.main.gitabcdef01.configdeadbeef.uuid2": ms.TaskTails(error="agent unreachable"),
        "svc.main.gitabcdef01.configdeadbeef.uuid3": ms.TaskTails(),
    }
    mesos = _mesos_state(_mesos_task(1), _mesos_task(2), _mesos_task(3))
    status = _build([_app()], mesos=mesos, tails=tails)
    lines = ms.mesos_verbose_lines(status, PLAIN)
    assert lines[3:9] == [
        "          stdout tail for uuid1",
        "    line 1",
        "    line 2",
        "          stdout EOF",
        "          stderr tail for uuid1",
        "          stderr EOF",
    ]
    assert lines[10] == "          couldn't read stdout/stderr for uuid2 (agent unreachable)"
    assert lines[12] == "          no stdout/stderr for uuid3"
    assert ms.tail_lines(status.mesos_running[0], Palette())[0] == "\033[34m      stdout tail for uuid1\033[0m"
