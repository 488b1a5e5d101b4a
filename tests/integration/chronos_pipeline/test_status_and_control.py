"""``paasta status`` for Chronos instances, paasta start/stop through the git control plane, and emergency-*."""

from __future__ import annotations

import json
import re
import time

import yaml

from paasta_tools.cli.cli import main as paasta
from paasta_tools.scripts import deploy_chronos_jobs
from paasta_tools.scripts.generate_deployments_for_service import main as generate
from tests.support.git_repos import make_bare_repo
from tests.support.waiting import wait_for

LATER = "R/2099-01-01T00:00:00Z/P1D"


def deploy(pipeline, capsys) -> None:
    assert deploy_chronos_jobs.main(["-d", str(pipeline.soa_dir)]) == 0
    capsys.readouterr()


def status(pipeline, capsys, *extra: str) -> str:
    paasta(["status", "-s", "svc", "-d", str(pipeline.soa_dir), *extra])
    return capsys.readouterr().out


def test_status_shows_the_job_its_last_run_and_its_reruns(pipeline, capsys) -> None:
    pipeline.write_service(
        "svc",
        {
            "nightly": {"schedule": LATER, "schedule_time_zone": "Europe/Berlin", "cmd": "echo night"},
            "report": {"parents": ["svc.nightly"], "cmd": "echo report"},
            "never": {"schedule": LATER, "cmd": "echo never"},
        },
    )
    (pipeline.soa_dir / "svc" / "chronos-devcluster.yaml").write_text(
        yaml.safe_dump(
            {
                "nightly": {"schedule": LATER, "schedule_time_zone": "Europe/Berlin", "cmd": "echo night"},
                "report": {"parents": ["svc.nightly"], "cmd": "echo report"},
                "never": {"schedule": LATER, "cmd": "echo never"},
                "planned": {"schedule": LATER, "cmd": "echo planned"},
            }
        )
    )
    deploy(pipeline, capsys)
    pipeline.client.run("svc nightly")
    wait_for(lambda: pipeline.job("svc report")["successCount"] == 1, timeout=10)
    assert paasta(["rerun", "-s", "svc", "-i", "never", "-y", str(pipeline.soa_dir)]) == 0
    capsys.readouterr()

    out = status(pipeline, capsys)
    lines = out.splitlines()
    assert lines[:3] == ["", "cluster: devcluster", "  instance: planned"]
    assert "    Git sha:    None (not deployed yet)" in lines
    nightly = lines.index("  instance: nightly")
    assert lines[nightly + 1 : nightly + 3] == ["    Git sha:    4f2ab6d1 (desired)", "    Desired:    Scheduled"]
    assert lines[nightly + 3] == "    Job:     svc nightly"
    assert lines[nightly + 4].startswith("      Status:   Scheduled (idle)  Last:     OK (")
    assert re.fullmatch(r".*OK \(\d{4}-\d\d-\d\dT\d\d:\d\d, (now|\d+ seconds ago|a second ago)\)", lines[nightly + 4])
    assert lines[nightly + 5 : nightly + 8] == [
        f"      Schedule: {LATER} (Europe/Berlin) Epsilon: PT60S",
        "      Command:  echo night",
        "      Mesos:    Not running",
    ]
    report = lines.index("  instance: report")
    assert lines[report + 5] == "      Parents:  svc nightly"
    never = lines.index("  instance: never")
    rerun_line = next(line for line in lines[never:] if "(Launched by paasta rerun)" in line)
    assert rerun_line.startswith("    Job:     tmp-") and rerun_line.endswith(" svc never (Launched by paasta rerun)")
    assert "      Status:   Scheduled (idle)  Last:     New (never)" in lines[never:]

    document = json.loads(status(pipeline, capsys, "-o", "json", "-i", "nightly"))
    (cluster,) = document["clusters"]
    (instance,) = cluster["instances"]
    assert (instance["instance_type"], instance["desired_disabled"]) == ("chronos", False)
    assert [(job["name"], job["last_result"]) for job in instance["jobs"]] == [("svc nightly", "Success")]


def test_status_verbose_lists_the_mesos_tasks(pipeline, capsys) -> None:
    pipeline.write_service("svc", {"slow": {"schedule": LATER, "cmd": "sleep 3"}})
    deploy(pipeline, capsys)
    pipeline.client.run("svc slow")
    wait_for(lambda: "node,svc slow,fresh,running" in pipeline.client.scheduler_graph(), timeout=5)
    wait_for(lambda: "Mesos:    Running" in status(pipeline, capsys), timeout=5)
    out = status(pipeline, capsys, "-v")
    assert "      Status:   Scheduled (running)" in out
    assert "        Mesos Task ID" in out and "ct:" in out and ":0:svc slow:" in out
    assert "TASK_RUNNING" not in out.split("Non-Running Tasks")[1]


def test_status_vv_tails_the_output_of_each_task(pipeline, capsys) -> None:
    pipeline.write_service("svc", {"talky": {"schedule": LATER, "cmd": "echo hello; echo oops >&2"}})
    deploy(pipeline, capsys)
    pipeline.client.run("svc talky")
    wait_for(lambda: pipeline.job("svc talky")["successCount"] == 1, timeout=10)
    (run,) = pipeline.runs("svc talky")
    lines = status(pipeline, capsys, "-vv").splitlines()
    start = lines.index(f"          stdout tail for {run.task_id}")
    assert lines[start : start + 6] == [
        f"          stdout tail for {run.task_id}",
        "            hello",
        "          stdout EOF",
        f"          stderr tail for {run.task_id}",
        "            oops",
        "          stderr EOF",
    ]
    assert "stdout tail for" not in status(pipeline, capsys, "-v")


def test_a_job_not_set_up_yet_is_a_warning(pipeline, capsys) -> None:
    pipeline.write_service("svc", {"job": {"schedule": LATER, "cmd": "true"}})
    out = status(pipeline, capsys)
    assert "    Warning: chronos job is not set up yet" in out


def control_plane(pipeline, tmp_path, jobs: dict) -> None:
    bare, shas = make_bare_repo(tmp_path / "git")
    directory = pipeline.write_service("svc", jobs, deployed=False)
    (directory / "service.yaml").write_text(f"git_url: {bare}\n")
    assert (
        paasta(["mark-for-deployment", "-s", "svc", "-l", "devcluster.job", "-c", shas[0], "-d", str(pipeline.soa_dir)])
        == 0
    )
    regenerate(pipeline)


def next_second() -> None:
    time.sleep(1 - time.time() % 1 + 0.01)


def regenerate(pipeline) -> None:
    assert generate(["-d", str(pipeline.soa_dir), "-s", "svc"]) == 0
    assert deploy_chronos_jobs.main(["-d", str(pipeline.soa_dir)]) == 0


def test_stop_disables_and_start_enables_through_generate_deployments(pipeline, capsys, tmp_path) -> None:
    control_plane(pipeline, tmp_path, {"job": {"schedule": LATER, "cmd": "true"}})
    assert pipeline.job("svc job")["disabled"] is False
    assert paasta(["stop", "-s", "svc", "-c", "devcluster", "-i", "job", "-d", str(pipeline.soa_dir)]) == 0
    assert "disabled until the next deploy" in capsys.readouterr().out
    regenerate(pipeline)
    assert pipeline.job("svc job")["disabled"] is True
    assert "    Desired:    Disabled" in status(pipeline, capsys)
    next_second()  # control tags are named by the second; a start in the same second would tie with the stop
    assert paasta(["start", "-s", "svc", "-c", "devcluster", "-i", "job", "-d", str(pipeline.soa_dir)]) == 0
    regenerate(pipeline)
    assert pipeline.job("svc job")["disabled"] is False


def test_start_never_overrides_disabled_true(pipeline, capsys, tmp_path) -> None:
    control_plane(pipeline, tmp_path, {"job": {"schedule": LATER, "cmd": "true", "disabled": True}})
    assert pipeline.job("svc job")["disabled"] is True
    assert paasta(["start", "-s", "svc", "-c", "devcluster", "-i", "job", "-d", str(pipeline.soa_dir)]) == 0
    regenerate(pipeline)
    assert pipeline.job("svc job")["disabled"] is True
