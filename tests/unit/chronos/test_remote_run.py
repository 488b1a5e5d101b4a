"""``paasta remote-run``: the temporary job, -X parsing, the instance choice, dry-run output and following a task."""

from __future__ import annotations

import datetime
import io
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from paasta_tools.chronos.job_dict import JobSystemConfig
from paasta_tools.chronos.job_name import is_temporary_job_name
from paasta_tools.chronos.last_run import is_expired_tmp_job
from paasta_tools.chronos.plan import plan_cleanup
from paasta_tools.chronos.remote_run import (
    Constraint,
    JobSubmitted,
    Notice,
    TaskOutput,
    TaskStateChanged,
    build_remote_run_job,
    choose_instance,
    describe_event,
    find_job_task,
    parse_constraint,
    parse_constraints,
)
from paasta_tools.cli.cli import main as paasta
from paasta_tools.cli.cmds.remote_run import EventPrinter
from paasta_tools.config.adhoc_config import AdhocJobConfig
from paasta_tools.config.chronos_config import ChronosJobConfig
from paasta_tools.config.marathon_config import MarathonServiceConfig
from paasta_tools.errors import (
    ChronosError,
    InvalidChronosConfigError,
    MesosError,
    NoDockerImageError,
    RemoteRunError,
)
from paasta_tools.operations.remote_run import Pacing, RunTarget, run_remote_job

NOW = datetime.datetime(2017, 4, 20, 15, 30, 12, 123456, tzinfo=datetime.UTC)
NAME = "tmp-2017-04-20T153012123456 svc remote"
IMAGE = {"docker_image": "services-svc:paasta-abc123", "desired_state": "start"}
SYSTEM = JobSystemConfig(docker_registry="registry.example:5000")


def adhoc(instance: str = "remote", branch: dict | None = IMAGE, **config: Any) -> AdhocJobConfig:
    return AdhocJobConfig("svc", "prod", instance, {"cmd": "echo hi", **config}, branch)


# --- the job ---------------------------------------------------------------------------------------------------


def test_the_job_runs_once_now_without_retries_under_a_tmp_name() -> None:
    job = build_remote_run_job(adhoc(), SYSTEM, "batch", NOW)
    assert job["name"] == NAME
    assert is_temporary_job_name(job["name"])
    assert job["schedule"] == "R1//PT1M"
    assert "parents" not in job
    assert job["retries"] == 0
    assert job["disabled"] is False
    assert job["description"] == "paasta remote-run of svc.remote"
    assert job["owner"] == "batch"
    assert job["command"] == "echo hi" and job["shell"] is True
    assert job["container"]["image"] == "registry.example:5000/services-svc:paasta-abc123"
    assert {"name": "PAASTA_INSTANCE", "value": "remote"} in job["environmentVariables"]


def test_the_job_ignores_schedule_parents_retries_and_a_stop_of_the_instance() -> None:
    stopped = {**IMAGE, "desired_state": "stop"}
    config = adhoc(
        branch=stopped, parents=["svc.other"], retries=5, disabled=True, schedule="R/2014-01-01T00:00:00Z/P1D"
    )
    job = build_remote_run_job(config, SYSTEM, None, NOW)
    assert (job["schedule"], job["retries"], job["disabled"]) == ("R1//PT1M", 0, False)
    assert "parents" not in job


def test_adhoc_resources_are_used_interactive_defaults_included() -> None:
    job = build_remote_run_job(adhoc(mem=2048, cpus=2), SYSTEM, None, NOW)
    assert (job["mem"], job["cpus"], job["disk"]) == (2048, 2, 1024)
    interactive = build_remote_run_job(adhoc("interactive"), SYSTEM, None, NOW)
    assert (interactive["cpus"], interactive["mem"], interactive["disk"]) == (4, 10240, 1024)


def test_commands_run_verbatim_without_time_variables() -> None:
    job = build_remote_run_job(adhoc(cmd="date +%s; echo %(shortdate)s 100%"), SYSTEM, None, NOW)
    assert job["command"] == "date +%s; echo %(shortdate)s 100%"


def test_cmd_flag_replaces_the_command_and_the_args() -> None:
    config = AdhocJobConfig("svc", "prod", "remote", {"args": ["--serve"]}, IMAGE)
    job = build_remote_run_job(config, SYSTEM, None, NOW, cmd="env")
    assert (job["command"], job["arguments"], job["shell"]) == ("env", None, True)


def test_an_instance_without_cmd_needs_the_cmd_flag() -> None:
    config = AdhocJobConfig("svc", "prod", "remote", {"args": ["--serve"]}, IMAGE)
    with pytest.raises(RemoteRunError, match=r"adhoc-prod.yaml, instance 'remote' has no 'cmd'.*-C/--cmd"):
        build_remote_run_job(config, SYSTEM, None, NOW)


def test_no_image_and_bad_config_name_the_adhoc_file() -> None:
    with pytest.raises(NoDockerImageError):
        build_remote_run_job(adhoc(branch={}), SYSTEM, None, NOW)
    with pytest.raises(InvalidChronosConfigError, match=r"adhoc-prod.yaml, instance 'remote'.*'mem'"):
        build_remote_run_job(adhoc(mem="lots"), SYSTEM, None, NOW)


def test_constraints_are_added_after_the_calculated_ones() -> None:
    flags = parse_constraints(["region,EQUALS,uswest1", "host,UNLIKE,bad.*", "hostname,UNIQUE", "rack,MAX_PER,2"])
    job = build_remote_run_job(adhoc(pool="batch"), SYSTEM, None, NOW, constraints=flags)
    assert job["constraints"] == [
        ["pool", "LIKE", "batch"],
        ["region", "EQUALS", "uswest1"],
        ["host", "UNLIKE", "bad.*"],
    ]


def test_the_tmp_job_is_kept_by_cleanup_until_it_has_run_and_expired() -> None:
    job = build_remote_run_job(adhoc(), SYSTEM, None, NOW)
    assert plan_cleanup([job], expected=set(), now=NOW) == []
    ran = {**job, "lastSuccess": "2017-04-18T00:00:00.000Z"}
    assert is_expired_tmp_job(ran, NOW)
    assert plan_cleanup([ran], expected=set(), now=NOW) == [NAME]


# --- -X ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("pool,EQUALS,default", Constraint("pool", "EQUALS", "default")),
        ("region,like,us.*", Constraint("region", "LIKE", "us.*")),
        ("host,UNLIKE,a,b", Constraint("host", "UNLIKE", "a,b")),
        ("hostname,UNIQUE", Constraint("hostname", "UNIQUE")),
        ("rack,MAX_PER,3", Constraint("rack", "MAX_PER", "3")),
    ],
)
def test_constraints_parse(text: str, expected: Constraint) -> None:
    assert parse_constraint(text) == expected


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("pool", "expected an attribute and an operator"),
        (",EQUALS,x", "expected an attribute and an operator"),
        ("pool,IS,x", "unknown operator 'IS'"),
        ("pool,EQUALS", "EQUALS needs a value"),
        ("pool,LIKE,", "LIKE needs a value"),
        ("host,UNIQUE,1", "UNIQUE takes no value"),
        ("rack,MAX_PER,two", "MAX_PER needs a positive integer"),
        ("host,LIKE,(", "is not a regular expression"),
    ],
)
def test_bad_constraints_name_the_flag_and_the_value(text: str, why: str) -> None:
    with pytest.raises(RemoteRunError) as caught:
        parse_constraint(text)
    assert str(caught.value).startswith(f"-X/--constraint {text!r}: ")
    assert why in str(caught.value)


# --- the instance ------------------------------------------------------------------------------------------------


INSTANCES = {"marathon": ["main"], "chronos": ["nightly"], "adhoc": ["remote", "migrate"]}


def test_the_instance_is_the_requested_one_of_any_type_else_the_adhoc_remote() -> None:
    assert choose_instance("migrate", INSTANCES, "svc", "prod") == ("adhoc", "migrate")
    assert choose_instance(None, INSTANCES, "svc", "prod") == ("adhoc", "remote")
    # as upstream's validate_service_instance: -i names any instance, marathon first
    assert choose_instance("main", INSTANCES, "svc", "prod") == ("marathon", "main")
    assert choose_instance("nightly", INSTANCES, "svc", "prod") == ("chronos", "nightly")
    assert choose_instance("main", {**INSTANCES, "adhoc": ["main"]}, "svc", "prod") == ("marathon", "main")


def test_a_missing_instance_lists_the_instances() -> None:
    with pytest.raises(RemoteRunError, match=r"no instance named 'remote'; pick one with -i/--instance: a, b"):
        choose_instance(None, {"adhoc": ["a", "b"]}, "svc", "prod")
    with pytest.raises(
        RemoteRunError,
        match=r"svc has no instance 'c' in cluster prod \(-i/--instance\); its instances there: marathon: main; "
        r"chronos: nightly; adhoc: remote, migrate",
    ):
        choose_instance("c", INSTANCES, "svc", "prod")
    with pytest.raises(RemoteRunError, match=r"svc has no adhoc instances in cluster mars"):
        choose_instance(None, {"marathon": ["main"]}, "svc", "mars")
    with pytest.raises(RemoteRunError, match=r"its instances there: none"):
        choose_instance("c", {}, "svc", "mars")


def test_a_marathon_or_chronos_instance_runs_with_its_own_config() -> None:
    marathon = MarathonServiceConfig("svc", "prod", "main", {"cmd": "serve", "instances": 3, "mem": 300}, IMAGE)
    job = build_remote_run_job(marathon, SYSTEM, None, NOW)
    assert job["name"] == "tmp-2017-04-20T153012123456 svc main"
    assert (job["command"], job["mem"], job["schedule"], job["retries"]) == ("serve", 300, "R1//PT1M", 0)
    interactive = MarathonServiceConfig("svc", "prod", "interactive", {"cmd": "serve"}, IMAGE)
    assert build_remote_run_job(interactive, SYSTEM, None, NOW)["cpus"] == 0.25  # adhoc's roomy box is adhoc's only
    with pytest.raises(RemoteRunError, match=r"marathon-prod.yaml, instance 'main' has no 'cmd'"):
        build_remote_run_job(MarathonServiceConfig("svc", "prod", "main", {}, IMAGE), SYSTEM, None, NOW)
    with pytest.raises(InvalidChronosConfigError, match=r"chronos-prod.yaml, instance 'nightly'.*'mem'"):
        nightly = ChronosJobConfig("svc", "prod", "nightly", {"cmd": "x", "schedule": "R/2017/P1D", "mem": "?"}, IMAGE)
        build_remote_run_job(nightly, SYSTEM, None, NOW)


# --- dry run -----------------------------------------------------------------------------------------------------


@pytest.fixture
def local_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A system config (default cluster prod) and ``svc`` with adhoc instances and a deployments.json."""
    etc = tmp_path / "etc"
    etc.mkdir()
    (etc / "registry.json").write_text(json.dumps({"docker_registry": "registry.example:5000"}))
    (etc / "volumes.json").write_text(json.dumps({"volumes": []}))
    (etc / "local_run.json").write_text(json.dumps({"local_run_config": {"default_cluster": "prod"}}))
    monkeypatch.setenv("PAASTA_SYSTEM_CONFIG_DIR", str(etc))
    service = tmp_path / "soa" / "svc"
    service.mkdir(parents=True)
    adhoc_yaml = {"remote": {"cmd": "echo hi", "mem": 512}, "other": {"cmd": "true", "deploy_group": "nowhere"}}
    (service / "adhoc-prod.yaml").write_text(yaml.dump(adhoc_yaml, sort_keys=False))
    marathon_yaml = {"main": {"cmd": "serve --port 8888", "instances": 3, "deploy_group": "prod.remote"}}
    (service / "marathon-prod.yaml").write_text(yaml.safe_dump(marathon_yaml))
    deployments = {"prod.remote": {"docker_image": "services-svc:paasta-abc", "git_sha": "abc"}}
    (service / "deployments.json").write_text(
        json.dumps({"v1": {}, "v2": {"deployments": deployments, "controls": {}}})
    )
    return tmp_path / "soa"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = paasta(["remote-run", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_dry_run_prints_the_job_as_indented_json(local_files: Path, capsys) -> None:
    code, out, _ = run(capsys, "-s", "svc", "-y", str(local_files), "-d", "-X", "region,EQUALS,west")
    assert code == 0
    assert out.startswith("{\n  ")
    job = json.loads(out)
    assert job["name"].startswith("tmp-") and job["name"].endswith(" svc remote")
    assert job["mem"] == 512 and job["container"]["image"] == "registry.example:5000/services-svc:paasta-abc"
    assert job["constraints"][-1] == ["region", "EQUALS", "west"]


def test_a_marathon_instance_is_run_with_its_command(local_files: Path, capsys) -> None:
    code, out, _ = run(capsys, "-s", "svc", "-y", str(local_files), "-d", "--json-dict", "-i", "main")
    assert code == 0
    job = json.loads(out)
    assert job["name"].endswith(" svc main") and job["command"] == "serve --port 8888"
    assert job["container"]["image"] == "registry.example:5000/services-svc:paasta-abc"


def test_very_dry_run_with_json_dict_prints_one_line(local_files: Path, capsys) -> None:
    code, out, _ = run(capsys, "-s", "svc", "-y", str(local_files), "-D", "--json-dict", "-C", "env")
    assert code == 0
    assert out.count("\n") == 1
    assert json.loads(out)["command"] == "env"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["-i", "other"], "deploy group 'nowhere' is not deployed"),
        (
            ["-i", "nope"],
            "svc has no instance 'nope' in cluster prod (-i/--instance); its instances there: marathon: main; "
            "adhoc: remote, other",
        ),
        (["-X", "pool"], "-X/--constraint 'pool': expected an attribute and an operator"),
        (["-t", "0"], "-t/--staging-timeout must be a positive number of seconds"),
        (["-t", "nan"], "-t/--staging-timeout must be a positive number of seconds, not nan"),
        (["-s", "ghost"], "ghost"),
    ],
)
def test_bad_input_is_one_line_and_exit_1(local_files: Path, capsys, argv: list[str], message: str) -> None:
    code, out, err = run(capsys, "-s", "svc", "-y", str(local_files), "-d", *argv)
    assert code == 1
    assert message in err and "Traceback" not in err
    assert out == ""


def test_without_a_default_cluster_the_cluster_flag_is_asked_for(local_files: Path, capsys) -> None:
    (Path(local_files).parent / "etc" / "local_run.json").unlink()
    code, _, err = run(capsys, "-s", "svc", "-y", str(local_files), "-d")
    assert code == 1
    assert "pass one with -c/--cluster" in err


# --- following the task ------------------------------------------------------------------------------------------


def mesos_task(state: str) -> dict[str, Any]:
    return {"id": f"ct:1:0:{NAME}:", "state": state, "slave_id": "S1", "statuses": [{"state": state, "timestamp": 5.0}]}


def master_state(*tasks: dict[str, Any], completed: tuple = ()) -> dict[str, Any]:
    return {
        "slaves": [{"id": "S1", "pid": "slave(1)@10.0.0.1:5051", "hostname": "agent1"}],
        "frameworks": [{"tasks": list(tasks), "completed_tasks": list(completed)}],
    }


def test_the_newest_task_of_the_job_is_found() -> None:
    old = {**mesos_task("TASK_FAILED"), "id": "ct:0:0:" + NAME + ":", "statuses": [{"timestamp": 1.0}]}
    other = {**mesos_task("TASK_RUNNING"), "id": "ct:1:0:svc remote:"}
    found = find_job_task(master_state(other, mesos_task("TASK_RUNNING"), completed=(old,)), NAME)
    assert found is not None
    assert (found.task_id, found.state, found.hostname, found.agent_pid) == (
        f"ct:1:0:{NAME}:",
        "TASK_RUNNING",
        "agent1",
        "slave(1)@10.0.0.1:5051",
    )
    assert find_job_task(master_state(other), NAME) is None


class FakeChronos:
    def __init__(self, fail_delete: bool = False) -> None:
        self.calls: list[tuple[str, str]] = []
        self.fail_delete = fail_delete

    def add(self, job: dict) -> None:
        self.calls.append(("add", job["name"]))

    def delete_tasks(self, name: str) -> None:
        self.calls.append(("delete_tasks", name))

    def delete(self, name: str) -> None:
        self.calls.append(("delete", name))
        if self.fail_delete:
            raise ChronosError("Chronos delete job failed: HTTP 500")


class FakeMesos:
    """A master whose state moves through ``states`` one look at a time, and its agent with a growing stdout."""

    url = "http://10.0.0.1:5051"

    def __init__(self, states: list[dict], outputs: list[str]) -> None:
        self.states, self.outputs, self.reads = states, outputs, 0
        self.stdout = ""

    def state(self) -> dict:
        self.stdout = self.outputs[min(self.reads, len(self.outputs) - 1)]
        self.reads += 1
        state = self.states[min(self.reads - 1, len(self.states) - 1)]
        if isinstance(state, Exception):
            raise state
        return state

    def agent_state(self) -> dict:
        executor = {"id": f"ct:1:0:{NAME}:", "directory": "/sandbox", "tasks": [{"id": f"ct:1:0:{NAME}:"}]}
        return {"frameworks": [{"executors": [executor]}]}

    def sandbox_directory(self, agent_state: dict, task_id: str) -> str | None:
        return "/sandbox"

    def read_file(self, path: str, offset: int, length: int | None = None) -> dict:
        data = self.stdout if path.endswith("stdout") else ""
        if offset == -1:
            return {"data": "", "offset": len(data)}
        return {"data": data[offset : offset + (length or len(data))], "offset": offset}


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def follow(states: list[dict], outputs: list[str] = ("",), timeout: float = 60, chronos=None):
    chronos = chronos or FakeChronos()
    mesos = FakeMesos(states, list(outputs))
    clock = FakeClock()
    target = RunTarget("prod", chronos, "http://chronos:8081", mesos, lambda url: mesos)  # type: ignore[arg-type]
    events: list = []
    pacing = Pacing(poll_interval=1.0, clock=clock, sleep=clock.sleep)
    try:
        final = run_remote_job({"name": NAME}, target, events.append, timeout, pacing)
    except RemoteRunError as exc:
        final = exc
    return final, events, chronos.calls, clock.now


def test_a_run_reports_states_and_new_output_then_deletes_the_job() -> None:
    states = [master_state(), master_state(mesos_task("TASK_STAGING")), master_state(mesos_task("TASK_RUNNING"))]
    states.append(master_state(completed=(mesos_task("TASK_FINISHED"),)))
    final, events, calls, _ = follow(states, ["", "", "one\n", "one\ntwo\n"])
    assert final == "TASK_FINISHED"
    assert [e.state for e in events if isinstance(e, TaskStateChanged)] == [
        "TASK_STAGING",
        "TASK_RUNNING",
        "TASK_FINISHED",
    ]
    assert [e.data for e in events if isinstance(e, TaskOutput)] == ["one\n", "two\n"]
    assert isinstance(events[0], JobSubmitted) and events[0].instance == "remote"
    assert [type(e).__name__ for e in events][-2:] == ["TaskStateChanged", "JobDeleted"]
    assert calls == [("add", NAME), ("delete", NAME)]


def test_a_failed_task_is_its_final_state() -> None:
    final, _, calls, _ = follow([master_state(completed=(mesos_task("TASK_FAILED"),))], ["boom\n"])
    assert final == "TASK_FAILED"
    assert calls[-1] == ("delete", NAME)


def test_a_task_not_running_within_the_staging_timeout_is_killed_and_its_job_deleted() -> None:
    final, events, calls, elapsed = follow([master_state(mesos_task("TASK_STAGING"))], timeout=3)
    assert isinstance(final, RemoteRunError)
    assert "did not start running on cluster prod within 3s (-t/--staging-timeout)" in str(final)
    assert calls == [("add", NAME), ("delete_tasks", NAME), ("delete", NAME)]
    assert 3 <= elapsed < 5


def test_a_running_task_outlives_the_staging_timeout() -> None:
    running = [master_state(mesos_task("TASK_RUNNING"))] * 5
    final, _, _, elapsed = follow([*running, master_state(completed=(mesos_task("TASK_FINISHED"),))], timeout=1)
    assert final == "TASK_FINISHED" and elapsed >= 5


def test_a_master_blip_is_tolerated_but_a_master_that_stays_down_ends_the_run() -> None:
    down = MesosError("could not reach the Mesos master at http://mesos:5050/master/state: refused")
    running, finished = master_state(mesos_task("TASK_RUNNING")), master_state(completed=(mesos_task("TASK_FINISHED"),))
    final, _, _, _ = follow([running, down, running, down, down, finished])
    assert final == "TASK_FINISHED"
    final, _, calls, _ = follow([running, down, down, down, finished])
    assert isinstance(final, RemoteRunError)
    assert str(final).startswith(f"cannot follow job '{NAME}' on cluster prod: could not reach the Mesos master at")
    assert calls[-2:] == [("delete_tasks", NAME), ("delete", NAME)]


def test_ctrl_c_kills_the_task_and_deletes_the_job() -> None:
    chronos = FakeChronos()
    mesos = FakeMesos([master_state(mesos_task("TASK_RUNNING"))], [""])

    def interrupt(seconds: float) -> None:
        raise KeyboardInterrupt

    target = RunTarget("prod", chronos, "http://chronos:8081", mesos, lambda url: mesos)  # type: ignore[arg-type]
    with pytest.raises(KeyboardInterrupt):
        run_remote_job({"name": NAME}, target, lambda event: None, 60, Pacing(1.0, lambda: 0.0, interrupt))
    assert chronos.calls == [("add", NAME), ("delete_tasks", NAME), ("delete", NAME)]


def test_a_job_that_cannot_be_deleted_is_told_with_the_cluster_and_url() -> None:
    final, events, _, _ = follow([master_state(completed=(mesos_task("TASK_FINISHED"),))], chronos=FakeChronos(True))
    assert final == "TASK_FINISHED"
    notices = [e.text for e in events if isinstance(e, Notice)]
    assert any("cluster prod (http://chronos:8081)" in text and "HTTP 500" in text for text in notices)


def test_the_printer_keeps_status_lines_off_an_unfinished_output_line() -> None:
    out, err = io.StringIO(), io.StringIO()
    printer = EventPrinter(verbose=False, out=out, err=err)
    printer(TaskOutput("stdout", "no newline"))
    printer(TaskOutput("stderr", "oops\n"))
    printer(Notice("hidden", verbose=True))
    printer(TaskStateChanged("ct:1", "TASK_FINISHED", "agent1"))
    assert out.getvalue() == "no newline\nTask ct:1: TASK_FINISHED on agent1\n"
    assert err.getvalue() == "oops\n"


def test_event_texts() -> None:
    submitted = JobSubmitted(NAME, "svc", "remote", "prod", "http://chronos:8081")
    assert describe_event(submitted) == (
        f"Running svc.remote on cluster prod as the temporary Chronos job '{NAME}' (http://chronos:8081)"
    )
    assert describe_event(TaskStateChanged("ct:1", "TASK_RUNNING", None)) == "Task ct:1: TASK_RUNNING"


def test_a_task_that_leaves_the_master_state_ends_the_run_instead_of_waiting_forever() -> None:
    running = master_state(mesos_task("TASK_RUNNING"))
    chronos = FakeChronos()
    mesos = FakeMesos([running, running, master_state()], [""])
    clock = FakeClock()

    def bounded_sleep(seconds: float) -> None:
        assert clock.now < 600, "still following a task the master no longer knows"
        clock.sleep(seconds)

    target = RunTarget("prod", chronos, "http://chronos:8081", mesos, lambda url: mesos)  # type: ignore[arg-type]
    with pytest.raises(RemoteRunError) as caught:
        run_remote_job({"name": NAME}, target, lambda event: None, 60, Pacing(1.0, clock, bounded_sleep))
    assert str(caught.value).startswith(
        f"The task ct:1:0:{NAME}: of job '{NAME}' is no longer in the Mesos master state of cluster prod"
    )
    assert clock.now < 10
    assert chronos.calls == [("add", NAME), ("delete_tasks", NAME), ("delete", NAME)]


def test_ctrl_c_while_the_job_is_being_added_still_removes_it() -> None:
    class InterruptedAdd(FakeChronos):
        def add(self, job: dict) -> None:
            super().add(job)  # Chronos took the job; the answer never arrived
            raise KeyboardInterrupt

    chronos = InterruptedAdd()
    mesos = FakeMesos([master_state()], [""])
    target = RunTarget("prod", chronos, "http://chronos:8081", mesos, lambda url: mesos)  # type: ignore[arg-type]
    with pytest.raises(KeyboardInterrupt):
        run_remote_job({"name": NAME}, target, lambda event: None, 60, Pacing(1.0, lambda: 0.0, lambda s: None))
    assert chronos.calls == [("add", NAME), ("delete_tasks", NAME), ("delete", NAME)]
