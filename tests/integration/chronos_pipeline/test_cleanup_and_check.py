"""cleanup_chronos_jobs and check_chronos_jobs against the devcluster, with real runs and Sensu events."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from paasta_tools.cli.cli import main as cli_main
from paasta_tools.scripts import check_chronos_jobs, cleanup_chronos_jobs, deploy_chronos_jobs
from tests.conftest import free_port
from tests.integration.chronos_pipeline.conftest import CLUSTER
from tests.support.waiting import wait_for

LATER = "R/2099-01-01T00:00:00Z/P1D"


def chronos_time(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def tmp_job(name: str, last_success: str) -> dict:
    return {
        "name": name,
        "command": "true",
        "owner": "batch",
        "disabled": False,
        "async": False,
        "schedule": LATER,
        "lastSuccess": last_success,
    }


def test_cleanup_removes_a_job_deleted_from_the_yaml_and_an_expired_tmp_job(pipeline, capsys) -> None:
    pipeline.write_service(
        "svc", {"kept": {"schedule": LATER, "cmd": "true"}, "gone": {"schedule": LATER, "cmd": "true"}}
    )
    assert deploy_chronos_jobs.main(["-d", str(pipeline.soa_dir)]) == 0
    expired = chronos_time(datetime.now(UTC) - timedelta(hours=25))
    recent = chronos_time(datetime.now(UTC) - timedelta(hours=1))
    pipeline.client.add(tmp_job("tmp-2017-04-20T000000000000 svc kept", expired))
    pipeline.client.add(tmp_job("tmp-2099-04-20T000000000000 svc kept", recent))
    pipeline.write_service("svc", {"kept": {"schedule": LATER, "cmd": "true"}})
    capsys.readouterr()

    assert cleanup_chronos_jobs.main(["-d", str(pipeline.soa_dir)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "Successfully Removed Tasks (if any were running) for:",
        "  svc gone",
        "  tmp-2017-04-20T000000000000 svc kept",
        "Successfully Removed Jobs:",
        "  svc gone",
        "  tmp-2017-04-20T000000000000 svc kept",
    ]
    assert sorted(job["name"] for job in pipeline.client.list()) == ["svc kept", "tmp-2099-04-20T000000000000 svc kept"]
    removed = wait_for(lambda: pipeline.events("check_chronos_jobs.svc.gone"), timeout=5)
    assert (removed[0]["status"], removed[0]["output"]) == (
        0,
        "This instance was removed and is no longer supposed to be scheduled.",
    )
    assert pipeline.events("check_chronos_jobs.svc.kept") == []

    assert cleanup_chronos_jobs.main(["-d", str(pipeline.soa_dir)]) == 0
    assert capsys.readouterr().out == "No Chronos Jobs to remove\n"


def test_cleanup_removes_nothing_while_a_service_cannot_be_read(pipeline, capsys) -> None:
    pipeline.write_service("svc", {"kept": {"schedule": LATER, "cmd": "true"}})
    assert deploy_chronos_jobs.main(["-d", str(pipeline.soa_dir)]) == 0
    (pipeline.soa_dir / "svc" / "chronos-devcluster.yaml").write_text("kept: [unclosed\n")
    assert cleanup_chronos_jobs.main(["-d", str(pipeline.soa_dir)]) == 1
    assert "not removing anything while a service cannot be read" in capsys.readouterr().err
    assert [job["name"] for job in pipeline.client.list()] == ["svc kept"]


def test_a_failing_job_retries_and_check_chronos_jobs_sends_critical(pipeline) -> None:
    pipeline.write_service("svc", {"flaky": {"schedule": LATER, "cmd": "echo boom >&2; exit 3", "retries": 1}})
    assert deploy_chronos_jobs.main(["-d", str(pipeline.soa_dir)]) == 0
    pipeline.client.run("svc flaky")
    wait_for(lambda: pipeline.job("svc flaky")["errorCount"] == 1, timeout=10)
    assert [run.attempt for run in pipeline.runs("svc flaky")] == [0, 1]
    assert {run.stderr for run in pipeline.runs("svc flaky")} == {"boom\n"}

    assert check_chronos_jobs.main(["-d", str(pipeline.soa_dir)]) == 0
    (event,) = wait_for(lambda: pipeline.events("check_chronos_jobs.svc.flaky"), timeout=5)
    assert event["status"] == 2
    assert event["output"].startswith("Last run of job svc.flaky Failed.\n")
    assert "paasta rerun -s svc -i flaky -c devcluster -d {datetime}" in event["output"]
    assert event["output"].endswith("This check realerts every 24h0m.")
    assert (event["realert_every"], event["alert_after"], event["interval"]) == (1440, 120, 60)


def test_check_chronos_jobs_reports_success_missing_disabled_and_stuck(pipeline) -> None:
    started = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)
    pipeline.write_service(
        "svc",
        {
            "good": {"schedule": LATER, "cmd": "true"},
            "off": {"schedule": LATER, "cmd": "true", "disabled": True},
            "stuck": {"schedule": f"R/{started.strftime('%Y-%m-%dT%H:%M:%SZ')}/PT2M", "cmd": "true"},
            "missing": {"schedule": LATER, "cmd": "true"},
            "fresh": {"schedule": LATER, "cmd": "true"},
        },
    )
    assert deploy_chronos_jobs.main(["-d", str(pipeline.soa_dir)]) == 0
    pipeline.client.delete("svc missing")
    pipeline.client.run("svc good")
    wait_for(lambda: pipeline.job("svc good")["successCount"] == 1, timeout=10)
    listed = {key: value for key, value in pipeline.job("svc stuck").items() if key != "fetch"}  # listing mirrors uris
    stuck = dict(listed, lastSuccess=chronos_time(started), schedule="R/2099-01-01T00:00:00Z/PT2M")
    pipeline.client.update(stuck)  # as if it last ran 10 minutes ago and then stopped being scheduled
    pipeline.sensu.events.clear()

    assert check_chronos_jobs.main(["-d", str(pipeline.soa_dir)]) == 0
    events = {event["name"]: event for event in pipeline.sensu.wait_for_events(4)}
    assert {name: event["status"] for name, event in events.items()} == {
        "check_chronos_jobs.svc.good": 0,
        "check_chronos_jobs.svc.off": 0,
        "check_chronos_jobs.svc.stuck": 2,
        "check_chronos_jobs.svc.missing": 1,
    }
    assert events["check_chronos_jobs.svc.good"]["output"].startswith("Last run of job svc.good Succeded")
    assert events["check_chronos_jobs.svc.off"]["output"] == (
        "Job svc.off is disabled - ignoring status.\n\nThis check realerts every 24h0m."
    )
    assert events["check_chronos_jobs.svc.missing"]["output"].startswith(
        "Warning: svc.missing isn't in chronos at all, which means it may not be deployed yet\n\n"
    )
    assert events["check_chronos_jobs.svc.stuck"]["output"].startswith(
        f"Job svc.stuck with schedule R/{started.strftime('%Y-%m-%dT%H:%M:%SZ')}/PT2M hasn't run since "
        f"{chronos_time(started)}, and is configured to run every 2.0 minutes."
    )
    assert events["check_chronos_jobs.svc.stuck"]["realert_every"] == 2


def test_check_chronos_jobs_exits_2_when_chronos_is_unreachable(pipeline, capsys, monkeypatch, tmp_path) -> None:
    pipeline.write_service("svc", {"good": {"schedule": LATER, "cmd": "true"}})
    etc = tmp_path / "etc_unreachable"
    etc.mkdir()
    chronos = {"chronos_config": {"url": [f"http://127.0.0.1:{free_port()}"]}}
    (etc / "all.json").write_text(
        json.dumps({"cluster": "devcluster", "docker_registry": "r", "volumes": [], **chronos})
    )
    monkeypatch.setenv("PAASTA_SYSTEM_CONFIG_DIR", str(etc))
    assert check_chronos_jobs.main(["-d", str(pipeline.soa_dir)]) == 2
    assert "CRITICAL: Unable to connect to Chronos" in capsys.readouterr().out


def test_values_of_the_wrong_shape_break_only_their_job(pipeline, capsys) -> None:
    malformed = {
        "constraints": {"schedule": LATER, "cmd": "true", "constraints": 5},
        "volumes": {"schedule": LATER, "cmd": "true", "extra_volumes": "x"},
        "huge": {"schedule": LATER, "cmd": "true", "cpus": 1e308},
        "env": {"schedule": LATER, "cmd": "true", "env": ["A=b"]},
    }
    pipeline.write_service("bad", malformed)
    pipeline.write_service("svc", {"kept": {"schedule": LATER, "cmd": "true"}})
    assert deploy_chronos_jobs.main(["-d", str(pipeline.soa_dir)]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    for job in malformed:
        assert f"bad.{job}" in err and f"bad/chronos-{CLUSTER}.yaml" in err, (job, err)
    assert sorted(job["name"] for job in pipeline.client.list()) == ["svc kept"]
    for argv in (["rerun", "-s", "bad", "-i", "huge", "-c", CLUSTER], ["emergency-start", "-s", "bad", "-i", "huge"]):
        soa_flag = ["-y", str(pipeline.soa_dir)] if argv[0] == "rerun" else ["-c", CLUSTER, "-d", str(pipeline.soa_dir)]
        assert cli_main([*argv, *soa_flag]) == 1, argv
        out, err = capsys.readouterr()
        assert "bad/chronos-devcluster.yaml: huge: a value has the wrong type" in out + err, argv
