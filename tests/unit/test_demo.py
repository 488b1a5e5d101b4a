"""The demo's step runner, example configs and readiness rules (no git, no subprocesses)."""

from __future__ import annotations

import datetime
import io

import yaml

from paasta_tools.demo import (
    CHRONOS_JOBS,
    ClusterInfo,
    Demo,
    Step,
    app_command,
    chronos_progress,
    example_soa_configs,
    finished_run_sandboxes,
    iso_schedule,
    marathon_progress,
    run_steps,
    running_mesos_tasks,
    service_repo_files,
    summary,
)
from paasta_tools.errors import ConfigError

SHA = "0123456789abcdef0123456789abcdef01234567"
NEW_MAIN = "/example--service.main.git01234567.configaaaaaaaa"
OLD_MAIN = "/example--service.main.gitfedcba98.configbbbbbbbb"
CANARY = "/example--service.canary.git01234567.configcccccccc"


def test_run_steps_stops_at_first_failure_and_reports_errors(tmp_path):
    ran: list[str] = []

    def ok(demo: Demo) -> int:
        ran.append("ok")
        return 0

    def broken(demo: Demo) -> int:
        raise ConfigError("service.yaml: bad")

    out = io.StringIO()
    steps = (Step("first", ok), Step("second", broken), Step("third", ok))
    assert run_steps(Demo(workdir=tmp_path, out=out), steps) == 1
    assert ran == ["ok"]
    text = out.getvalue()
    assert "==> [1/3] first" in text and "==> [2/3] second" in text and "third" not in text
    assert "  service.yaml: bad" in text and "step 'second' failed" in text


def test_a_step_needing_the_devcluster_says_so_when_it_was_not_started(tmp_path):
    out = io.StringIO()
    assert run_steps(Demo(workdir=tmp_path, out=out), (Step("needs it", lambda demo: demo.cluster_info and 0),)) == 1
    assert "the devcluster has not been started" in out.getvalue()


def test_example_configs_cover_every_file_and_point_at_the_repo():
    files = example_soa_configs("svc", "devcluster", "/tmp/repo.git", "httpd", "R/2030-01-01T00:00:00Z/PT1M")
    assert set(files) == {
        "service.yaml",
        "marathon-devcluster.yaml",
        "chronos-devcluster.yaml",
        "monitoring.yaml",
        "deploy.yaml",
    }
    assert "git_url: /tmp/repo.git" in files["service.yaml"]
    jobs = yaml.safe_load(files["chronos-devcluster.yaml"])
    assert jobs[CHRONOS_JOBS[0]]["schedule"] == "R/2030-01-01T00:00:00Z/PT1M"
    assert jobs[CHRONOS_JOBS[1]]["parents"] == [f"svc.{CHRONOS_JOBS[0]}"]
    instances = yaml.safe_load(files["marathon-devcluster.yaml"])
    assert instances["main"]["deploy_group"] == "prod" and instances["canary"]["deploy_group"] == "canary"
    assert all(i["healthcheck_uri"] == "/status" and i["cmd"] == "httpd" for i in instances.values())


def test_the_app_command_serves_status_in_the_image_or_from_the_host_port(tmp_path):
    assert app_command(True, tmp_path) == "httpd -f -p 8888 -h /www"
    on_host = app_command(False, tmp_path / "my www")
    assert "-m http.server $PORT0 --bind 127.0.0.1" in on_host and f"'{tmp_path}/my www'" in on_host
    files = service_repo_files("svc", "2030-01-01T00:00:00Z")
    assert files["www/status"] == "svc: OK (built 2030-01-01T00:00:00Z)\n"
    assert '"$(DOCKER_TAG)"' in files["Makefile"] and "COPY www /www" in files["Dockerfile"]


def test_iso_schedule_is_utc_whole_seconds():
    start = datetime.datetime(2030, 1, 2, 4, 5, 6, 789, tzinfo=datetime.timezone(datetime.timedelta(hours=1)))
    assert iso_schedule(start) == "R/2030-01-02T03:05:06Z/PT1M"


def _task(port, alive=True, state="TASK_RUNNING"):
    return {"ports": [port], "state": state, "healthCheckResults": [{"alive": alive}]}


def test_marathon_progress_is_ready_only_when_the_new_apps_are_healthy_and_alone():
    new_main = {"id": NEW_MAIN, "tasks": [_task(31001), _task(31000)]}
    canary = {"id": CANARY, "tasks": [_task(31002)]}
    old_main = {"id": OLD_MAIN, "tasks": [_task(31005)]}
    mesos = ["example--service.main.git01234567.configaaaaaaaa"] * 2 + ["example--service.canary.git01234567.x"]
    bouncing = marathon_progress([new_main, canary, old_main], mesos, "example_service", SHA)
    assert [(p.instance, p.ready) for p in bouncing] == [("main", False), ("canary", True)]
    assert bouncing[0].healthy_ports == (31000, 31001)
    assert "1 older app(s) still bouncing away" in bouncing[0].describe()
    stopping = marathon_progress(
        [new_main, canary], mesos + ["example--service.main.gitfedcba98.x"], "example_service", SHA
    )
    assert not stopping[0].ready and "1 old task(s) still stopping" in stopping[0].describe()
    assert all(p.ready for p in marathon_progress([new_main, canary], mesos, "example_service", SHA))


def test_marathon_progress_names_unhealthy_tasks_and_the_last_failure():
    app = {"id": NEW_MAIN, "tasks": [_task(31000), _task(31001, alive=False)], "lastTaskFailure": {"message": "boom"}}
    main = marathon_progress([app], [], "example_service", SHA)[0]
    assert not main.ready
    assert main.describe() == (
        "main: 1/2 tasks healthy in example--service.main.git01234567.configaaaaaaaa (last task failure: boom)"
    )
    missing = marathon_progress([], [], "example_service", SHA)
    assert [p.describe() for p in missing] == [
        "main: no app of the new commit yet",
        "canary: no app of the new commit yet",
    ]


def test_running_mesos_tasks_keeps_running_ones_of_every_framework():
    state = {
        "frameworks": [
            {"tasks": [{"name": "a", "state": "TASK_RUNNING"}, {"name": "b", "state": "TASK_KILLED"}]},
            {"tasks": [{"name": "c", "state": "TASK_RUNNING"}]},
        ]
    }
    assert running_mesos_tasks(state) == ["a", "c"]


def test_chronos_progress_counts_only_runs_since_the_deploy():
    since = datetime.datetime(2030, 1, 1, 12, 0, tzinfo=datetime.UTC).timestamp()
    jobs = [
        {"name": f"svc {CHRONOS_JOBS[0]}", "lastSuccess": "2030-01-01T12:00:05.000Z", "lastError": ""},
        {
            "name": f"svc {CHRONOS_JOBS[1]}",
            "lastSuccess": "2030-01-01T11:59:00.000Z",
            "lastError": "2030-01-01T12:00:09Z",
        },
    ]
    scheduled, dependent = chronos_progress(jobs, "svc", since)
    assert scheduled.ready and scheduled.describe() == f"{CHRONOS_JOBS[0]}: succeeded at 12:00:05 UTC"
    assert not dependent.ready and "failed at 12:00:09 UTC" in dependent.describe()
    absent = chronos_progress([], "svc", since)
    assert [p.describe() for p in absent] == [f"{name}: not in Chronos" for name in CHRONOS_JOBS]


def test_summary_tells_where_to_look_and_how_to_stop(tmp_path):
    info = ClusterInfo(
        "http://127.0.0.1:1", "http://127.0.0.1:2", "http://127.0.0.1:3", tmp_path / "etc", "process", None, 4
    )
    demo = Demo(workdir=tmp_path, out=io.StringIO(), info=info, task_urls=["http://127.0.0.1:31000/status"])
    text = "\n".join(summary(demo))
    assert f"export PAASTA_SYSTEM_CONFIG_DIR={tmp_path / 'etc'}" in text
    assert f"status -s example_service -d {tmp_path / 'soa-configs'} -v" in text
    assert "curl http://127.0.0.1:31000/status" in text and "http://127.0.0.1:2/scheduler/jobs" in text
    assert f"--data-dir {tmp_path / 'devcluster'} down" in text


def test_finished_run_sandboxes_picks_each_jobs_newest_finished_run():
    def executor(due: int, job: str, state: str = "TASK_FINISHED") -> dict:
        task_id = f"ct:{due}:0:svc {job}:"
        task = {"id": task_id, "name": f"ChronosTask:svc {job}", "state": state}
        return {"directory": f"/sandboxes/{due}", "completed_tasks": [task]}

    state = {
        "frameworks": [
            {"completed_executors": [executor(300, "periodic"), executor(100, "periodic"), executor(400, "report")]},
            {"completed_executors": [executor(500, "report", "TASK_FAILED"), executor(600, "other")]},
        ]
    }
    assert finished_run_sandboxes(state, "svc") == {"periodic": "/sandboxes/300", "report": "/sandboxes/400"}
    assert finished_run_sandboxes({}, "svc") == {}
