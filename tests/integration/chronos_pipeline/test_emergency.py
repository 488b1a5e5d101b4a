"""Chronos emergency-start / emergency-stop / emergency-restart against the devcluster."""

from __future__ import annotations

import datetime

from paasta_tools.operations import chronos_emergency as emergency
from paasta_tools.operations import chronos_jobs as ops
from paasta_tools.scripts import deploy_chronos_jobs
from paasta_tools.system_config import load_system_paasta_config
from tests.support.waiting import wait_for

LATER = "R/2099-01-01T00:00:00Z/P1D"


def setup(pipeline, jobs: dict) -> tuple[ops.ChronosTarget, dict[str, ops.ConfiguredJob]]:
    pipeline.write_service("svc", jobs)
    assert deploy_chronos_jobs.main(["-d", str(pipeline.soa_dir)]) == 0
    target = ops.target_from_system_config(load_system_paasta_config(), str(pipeline.soa_dir))
    configured = ops.load_configured_jobs("svc", target.cluster, target.soa_dir)
    return target, {job.config.instance: job for job in configured}


def test_emergency_start_runs_the_job_now_and_refuses_a_disabled_one(pipeline) -> None:
    target, jobs = setup(
        pipeline,
        {"job": {"schedule": LATER, "cmd": "echo now"}, "off": {"schedule": LATER, "cmd": "x", "disabled": True}},
    )
    now = datetime.datetime.now()
    result = emergency.emergency_start(pipeline.client, jobs["job"], target, now)
    assert result == emergency.EmergencyResult(True, "EmergencyStart: Starting manual run of svc job in Chronos")
    wait_for(lambda: pipeline.job("svc job")["successCount"] == 1, timeout=10)
    assert [run.stdout for run in pipeline.runs("svc job")] == ["now\n"]

    refused = emergency.emergency_start(pipeline.client, jobs["off"], target, now)
    assert refused == emergency.EmergencyResult(
        False, "You cannot emergency start a disabled job. Run `paasta start` first."
    )
    assert pipeline.runs("svc off") == []


def test_emergency_stop_disables_and_kills_the_job_and_its_reruns_then_restart_runs_it(pipeline) -> None:
    target, jobs = setup(pipeline, {"slow": {"schedule": LATER, "cmd": "sleep 30"}})
    tmp = dict(pipeline.job("svc slow"), name="tmp-2017-04-20T000000000000 svc slow")
    tmp.pop("fetch")
    pipeline.client.add(tmp)
    pipeline.client.run("svc slow")
    pipeline.client.run(tmp["name"])
    graph = pipeline.client.scheduler_graph
    wait_for(lambda: graph().count(",running") == 2, timeout=5)

    result = emergency.emergency_stop(pipeline.client, jobs["slow"], target)
    assert result.ok and "svc slow" in result.message and tmp["name"] in result.message
    assert pipeline.job("svc slow")["disabled"] is True and pipeline.job(tmp["name"])["disabled"] is True
    wait_for(lambda: ",running" not in graph(), timeout=10)
    assert {run.state for run in pipeline.runs("svc slow") + pipeline.runs(tmp["name"])} == {"TASK_KILLED"}

    restarted = emergency.emergency_restart(pipeline.client, jobs["slow"], target, datetime.datetime.now())
    assert restarted.ok
    assert pipeline.job("svc slow")["disabled"] is False
    wait_for(lambda: "node,svc slow,fresh,running" in graph().splitlines(), timeout=5)
    pipeline.client.delete_tasks("svc slow")


def test_paasta_emergency_commands_dispatch_chronos_instances(pipeline, capsys) -> None:
    from paasta_tools.cli.cli import main as paasta

    setup(
        pipeline,
        {"job": {"schedule": LATER, "cmd": "echo cli"}, "off": {"schedule": LATER, "cmd": "x", "disabled": True}},
    )
    capsys.readouterr()
    base = ["-s", "svc", "-c", "devcluster", "-d", str(pipeline.soa_dir)]
    assert paasta(["emergency-start", "-i", "job", *base]) == 0
    out = capsys.readouterr().out
    assert "Output: EmergencyStart: Starting manual run of svc job in Chronos" in out
    wait_for(lambda: pipeline.job("svc job")["successCount"] == 1, timeout=10)
    assert paasta(["emergency-start", "-i", "off", *base]) == 1
    assert "You cannot emergency start a disabled job. Run `paasta start` first." in capsys.readouterr().err
    assert paasta(["emergency-stop", "-i", "job", *base]) == 0
    assert "Output: EmergencyStop: Disabled and killed the tasks of svc job in Chronos" in capsys.readouterr().out
    assert pipeline.job("svc job")["disabled"] is True
