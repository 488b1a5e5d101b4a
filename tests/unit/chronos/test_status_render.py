"""``paasta status`` lines of Chronos instances, built from a job list, graph CSV and Mesos state (no I/O)."""

from __future__ import annotations

import dataclasses
import datetime

from paasta_tools.config.loader import build_instance_config
from paasta_tools.config.soa_dir import ServiceFiles
from paasta_tools.status.chronos import build_chronos_status, job_of_task_id, render_chronos_status
from paasta_tools.status.colors import PLAIN

NOW = datetime.datetime(2017, 4, 21, 12, 0, tzinfo=datetime.UTC)
FILES = ServiceFiles(
    service="svc",
    soa_dir="/soa",
    service_yaml={},
    monitoring={"team": "batch"},
    instance_files={
        ("chronos", "c1"): {
            "nightly": {"schedule": "R/2017-01-01T03:00:00Z/P1D", "cmd": "run"},
            "report": {"parents": ["svc.nightly", "other.load"], "cmd": "report"},
        }
    },
)
IMAGE = "services-svc:paasta-4f2ab6d1c0e5e5d6c2a1b0f9e8d7c6b5a4f3e2d1"


def config(instance: str, desired_state: str = "start"):
    built = build_instance_config(FILES, "chronos", "c1", instance)
    return dataclasses.replace(built, branch_dict={"docker_image": IMAGE, "desired_state": desired_state})


def chronos_job(name: str, **extra) -> dict:
    job = {"name": name, "command": "run", "disabled": False, "epsilon": "PT60S", "scheduleTimeZone": ""}
    job.update(extra)
    if "parents" not in job:
        job.setdefault("schedule", "R/2017-04-22T03:00:00.000Z/P1D")
    return job


def mesos_state(*tasks: tuple[str, str, float]) -> dict:
    return {
        "slaves": [{"id": "agent-1", "hostname": "host1"}],
        "frameworks": [
            {
                "name": "chronos",
                "tasks": [
                    {
                        "id": task_id,
                        "slave_id": "agent-1",
                        "state": state,
                        "resources": {"mem": 32.0, "cpus": 0.1},
                        "statuses": [{"timestamp": started}],
                    }
                    for task_id, state, started in tasks
                ],
            }
        ],
    }


def test_a_scheduled_job_with_a_rerun_and_a_running_task() -> None:
    jobs = [
        chronos_job("svc nightly", lastSuccess="2017-04-21T11:00:00.000Z"),
        chronos_job("tmp-2017-04-21T115900000000 svc nightly", schedule="R1//PT1M", command="run 2017-04-01"),
        chronos_job("svc report", parents=["svc nightly", "other load"]),
    ]
    graph = "node,svc nightly,success,running\nnode,tmp-2017-04-21T115900000000 svc nightly,fresh,idle\n"
    started = (NOW - datetime.timedelta(minutes=2)).timestamp()
    state = mesos_state(("ct:1492772400000:0:svc nightly:", "TASK_RUNNING", started))
    status = build_chronos_status(config("nightly"), jobs, graph, state, NOW)
    assert (status.git_sha, status.desired_disabled, len(status.jobs)) == ("4f2ab6d1", False, 2)
    lines = render_chronos_status(status, 0, PLAIN)
    local = datetime.datetime(2017, 4, 21, 11, 0, tzinfo=datetime.UTC).astimezone().strftime("%Y-%m-%dT%H:%M")
    assert lines == [
        "Desired:    Scheduled",
        "Job:     svc nightly",
        f"  Status:   Scheduled (running)  Last:     OK ({local}, an hour ago)",
        "  Schedule: R/2017-04-22T03:00:00.000Z/P1D (UTC) Epsilon: PT60S",
        "  Command:  run",
        "  Mesos:    Running",
        "Job:     tmp-2017-04-21T115900000000 svc nightly (Launched by paasta rerun)",
        "  Status:   Scheduled (idle)  Last:     New (never)",
        "  Schedule: R1//PT1M (UTC) Epsilon: PT60S",
        "  Command:  run 2017-04-01",
        "  Mesos:    Not running",
    ]
    verbose = render_chronos_status(status, 1, PLAIN)
    assert verbose[6] == "    Running Tasks:"
    assert verbose[8].split() == ["ct:1492772400000:0:svc", "nightly:", "host1", "32MB", "0.1", *verbose[8].split()[5:]]
    assert verbose[8].endswith("(2 minutes ago)")


def test_a_stopped_dependent_job_and_its_parents_last_runs() -> None:
    jobs = [
        chronos_job(
            "svc report", parents=["svc nightly", "other load"], disabled=True, lastError="2017-04-21T11:59:00Z"
        ),
        chronos_job("svc nightly", lastSuccess="2017-04-21T11:58:00.000Z"),
    ]
    status = build_chronos_status(config("report", desired_state="stop"), jobs, "", None, NOW)
    lines = render_chronos_status(status, 0, PLAIN)
    assert lines[0] == "Desired:    Disabled"
    assert lines[2].startswith("  Status:   Not scheduled (unknown)  Last:     Failed (")
    assert lines[3] == "  Parents:  svc nightly,other load"
    verbose = render_chronos_status(status, 1, PLAIN)
    assert verbose[3:8] == [
        "  Parents:",
        "    - svc nightly",
        f"      Last Run: OK ({verbose[5].split('OK (')[1].split(',')[0]}, 2 minutes ago)",
        "    - other load",
        "      Last Run: New (never)",
    ]


def test_no_job_in_chronos_is_a_warning() -> None:
    status = build_chronos_status(config("nightly"), [chronos_job("svc other")], "", None, NOW)
    assert render_chronos_status(status, 0, PLAIN) == [
        "Desired:    Scheduled",
        "Warning: chronos job is not set up yet",
    ]


def test_job_of_task_id() -> None:
    assert job_of_task_id("ct:1492772400000:2:svc nightly:--flag") == "svc nightly"
    assert job_of_task_id("svc.main.git1234.config5678.uuid") is None


def test_vv_shows_the_tails_of_each_task() -> None:
    from paasta_tools.status.chronos import TaskOutput, tail_lines_for

    status = build_chronos_status(config("nightly"), [chronos_job("svc nightly")], "", None, NOW)
    outputs = (TaskOutput("ct:1:0:svc nightly:", ("hi",), ()), TaskOutput("ct:2", error="gone"))
    status = dataclasses.replace(status, jobs=(dataclasses.replace(status.jobs[0], outputs=outputs),))
    assert render_chronos_status(status, 2, PLAIN)[-6:] == [
        "      stdout tail for ct:1:0:svc nightly:",
        "        hi",
        "      stdout EOF",
        "      stderr tail for ct:1:0:svc nightly:",
        "      stderr EOF",
        "      Could not read the output of ct:2: gone",
    ]
    assert not any("tail for" in line for line in render_chronos_status(status, 1, PLAIN))
    assert [tail_lines_for(v) for v in (0, 1, 2, 3, 4)] == [0, 0, 10, 100, 100]


def test_sandbox_directories_of_running_and_completed_executors() -> None:
    from paasta_tools.clients.mesos import sandbox_directories

    state = {
        "frameworks": [
            {
                "executors": [{"id": "a", "directory": "/s/a", "tasks": [{"id": "a"}]}],
                "completed_executors": [{"id": "exec-b", "directory": "/s/b", "completed_tasks": [{"id": "b"}]}],
            }
        ],
        "completed_frameworks": [{"completed_executors": [{"id": "c", "directory": "/s/c"}]}],
    }
    assert sandbox_directories(state) == {"a": "/s/a", "exec-b": "/s/b", "b": "/s/b", "c": "/s/c"}


def test_a_null_time_zone_from_chronos_shows_as_utc() -> None:
    for stored in ("null", None, "America/New_York"):
        jobs = [chronos_job("svc nightly", scheduleTimeZone=stored)]
        status = build_chronos_status(config("nightly"), jobs, "", None, NOW)
        schedule_line = render_chronos_status(status, 0, PLAIN)[3]
        assert schedule_line.endswith(f"({stored if stored == 'America/New_York' else 'UTC'}) Epsilon: PT60S")
