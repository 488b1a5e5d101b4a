"""setup_chronos_job and deploy_chronos_jobs against the devcluster's Chronos: jobs written, run, left alone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from paasta_tools.scripts import deploy_chronos_jobs, list_chronos_jobs, setup_chronos_job
from tests.support.waiting import wait_for

LATER = "R/2099-01-01T00:00:00Z/P1D"


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_setup_chronos_job_creates_the_job_and_reports_ok(pipeline, capsys) -> None:
    pipeline.write_service("svc", {"nightly": {"schedule": LATER, "cmd": "echo hi", "cpus": 0.1, "mem": 32}})
    assert setup_chronos_job.main(["-d", str(pipeline.soa_dir), "svc.nightly"]) == 0
    job = pipeline.job("svc nightly")
    assert job is not None
    assert (job["command"], job["schedule"], job["owner"], job["disabled"]) == ("echo hi", LATER, "batch", False)
    assert job["container"]["image"] == "127.0.0.1:5000/services-svc:paasta-4f2ab6d1c0e5e5d6c2a1b0f9e8d7c6b5a4f3e2d1"
    (event,) = pipeline.sensu.wait_for_events(1)
    assert (event["name"], event["status"], event["output"]) == (
        "setup_chronos_job.svc.nightly",
        0,
        "All chronos bouncing tasks finished.",
    )
    assert (event["interval"], event["alert_after"], event["team"]) == (10, 600, "batch")


def test_a_job_without_deployment_gets_a_critical_event_and_exit_0(pipeline) -> None:
    pipeline.write_service("svc", {"nightly": {"schedule": LATER, "cmd": "echo hi"}}, deployed=False)
    assert setup_chronos_job.main(["-d", str(pipeline.soa_dir), "svc.nightly"]) == 0
    assert pipeline.job("svc nightly") is None
    (event,) = pipeline.sensu.wait_for_events(1)
    assert event["status"] == 2
    assert event["output"] == "No deployment found for svc.nightly in cluster devcluster. Has Jenkins run for it?"


def test_setup_chronos_job_refuses_a_malformed_name_and_reports_an_unknown_instance(pipeline, capsys) -> None:
    pipeline.write_service("svc", {"nightly": {"schedule": LATER, "cmd": "echo hi"}})
    assert setup_chronos_job.main(["-d", str(pipeline.soa_dir), "svc-nightly"]) == 1
    assert "Format is service.instance" in capsys.readouterr().err
    assert setup_chronos_job.main(["-d", str(pipeline.soa_dir), "svc.nightlly"]) == 0
    err = capsys.readouterr().err
    assert "Could not read chronos configuration file for svc.nightlly in cluster devcluster" in err
    assert "Did you mean one of: svc.nightly?" in err
    (event,) = pipeline.sensu.wait_for_events(1)
    assert (event["name"], event["status"]) == ("setup_chronos_job.svc.nightlly", 2)


def test_deploy_writes_parents_first_then_only_changed_jobs(pipeline, capsys) -> None:
    pipeline.write_service("svc", {"child": {"parents": ["other.load"], "cmd": "echo child"}})
    pipeline.write_service("other", {"load": {"schedule": LATER, "cmd": "echo load"}})
    assert deploy_chronos_jobs.main(["-d", str(pipeline.soa_dir)]) == 0
    assert capsys.readouterr().out.splitlines() == ["Created Chronos job: other.load", "Created Chronos job: svc.child"]
    assert pipeline.job("svc child")["parents"] == ["other load"]
    first_description = pipeline.job("other load")["description"]

    assert deploy_chronos_jobs.main(["-d", str(pipeline.soa_dir)]) == 0
    assert capsys.readouterr().out == ""
    pipeline.write_service("other", {"load": {"schedule": LATER, "cmd": "echo load v2"}})
    assert deploy_chronos_jobs.main(["-d", str(pipeline.soa_dir)]) == 0
    assert capsys.readouterr().out.splitlines() == ["Updated Chronos job: other.load"]
    assert pipeline.job("other load")["description"] != first_description
    assert pipeline.job("other load")["command"] == "echo load v2"


def test_one_broken_job_does_not_stop_the_others(pipeline, capsys) -> None:
    pipeline.write_service(
        "svc",
        {
            "badsched": {"schedule": "R/2014-09-25T00:00:00Z/PT10S", "cmd": "echo fast"},
            "orphan": {"parents": ["ghost.job"], "cmd": "echo orphan"},
            "badtz": {"schedule": LATER, "schedule_time_zone": "Mars/Olympus", "cmd": "echo tz"},
            "good": {"schedule": LATER, "cmd": "echo good"},
        },
    )
    assert deploy_chronos_jobs.main(["-d", str(pipeline.soa_dir)]) == 1
    captured = capsys.readouterr()
    assert captured.out.splitlines() == ["Created Chronos job: svc.good"]
    assert "jobs must be run at an interval of at least 60 seconds" in captured.err
    assert "its parent 'ghost job' is neither in Chronos nor configured in soa-configs" in captured.err
    assert "schedule_time_zone 'Mars/Olympus' is not a tz database time zone name" in captured.err
    assert [job["name"] for job in pipeline.client.list()] == ["svc good"]
    statuses = {event["name"]: event["status"] for event in pipeline.sensu.wait_for_events(4)}
    assert statuses == {
        "setup_chronos_job.svc.badsched": 2,
        "setup_chronos_job.svc.orphan": 2,
        "setup_chronos_job.svc.badtz": 2,
        "setup_chronos_job.svc.good": 0,
    }


def test_a_cycle_in_parents_is_reported_for_the_jobs_in_it(pipeline, capsys) -> None:
    pipeline.write_service(
        "svc",
        {"a": {"parents": ["svc.b"], "cmd": "echo a"}, "b": {"parents": ["svc.a"], "cmd": "echo b"}},
    )
    assert deploy_chronos_jobs.main(["-d", str(pipeline.soa_dir)]) == 1
    err = capsys.readouterr().err
    assert "svc.a: Could not set up Chronos job svc a: its parents form a cycle: svc a, svc b" in err
    assert pipeline.client.list() == []


def test_list_chronos_jobs_prints_service_dot_instance(pipeline, capsys) -> None:
    pipeline.write_service("svc", {"a": {"schedule": LATER, "cmd": "x"}, "b": {"parents": ["svc.a"], "cmd": "y"}})
    pipeline.write_service("other", {"c": {"schedule": LATER, "cmd": "z"}})
    assert list_chronos_jobs.main(["-d", str(pipeline.soa_dir)]) == 0
    assert capsys.readouterr().out.splitlines() == ["other.c", "svc.a", "svc.b"]


@pytest.mark.slow  # the shortest period a job may have is one minute
def test_a_scheduled_job_runs_on_time_and_again_one_period_later(pipeline) -> None:
    start = (datetime.now(UTC) + timedelta(seconds=3)).replace(microsecond=0)
    pipeline.write_service("svc", {"minutely": {"schedule": f"R/{iso(start)}/PT1M", "cmd": "echo tick"}})
    assert deploy_chronos_jobs.main(["-d", str(pipeline.soa_dir)]) == 0
    wait_for(lambda: len(pipeline.runs("svc minutely")) == 1, timeout=10)
    first = pipeline.runs("svc minutely")[0]
    assert first.stdout == "tick\n"
    assert start.timestamp() <= first.started_at < start.timestamp() + 3
    wait_for(lambda: len(pipeline.runs("svc minutely")) == 2, timeout=75, interval=0.5)
    second = pipeline.runs("svc minutely")[1]
    assert 57 <= second.started_at - first.started_at <= 63
    assert pipeline.job("svc minutely")["successCount"] == 2


def test_sensu_being_down_does_not_stop_the_deploy(pipeline, capsys, monkeypatch, tmp_path) -> None:
    from tests.conftest import free_port
    from tests.support.devcluster import write_devcluster_system_config

    etc = write_devcluster_system_config(tmp_path / "etc_sensu_down", pipeline.running, sensu_port=free_port())
    monkeypatch.setenv("PAASTA_SYSTEM_CONFIG_DIR", str(etc))
    pipeline.write_service("svc", {"a": {"schedule": LATER, "cmd": "true"}, "b": {"schedule": LATER, "cmd": "true"}})
    assert deploy_chronos_jobs.main(["-d", str(pipeline.soa_dir)]) == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines() == ["Created Chronos job: svc.a", "Created Chronos job: svc.b"]
    assert captured.err.count("Could not send Sensu event setup_chronos_job.svc.") == 2
