"""paasta_serviceinit on Chronos instances: status as paasta status shows it, start runs the job now."""

from __future__ import annotations

from paasta_tools.scripts import deploy_chronos_jobs, paasta_serviceinit
from tests.integration.chronos_pipeline.conftest import pipeline  # noqa: F401
from tests.support.waiting import wait_for

LATER = "R/2099-01-01T00:00:00Z/P1D"


def test_status_then_start_of_a_chronos_job(pipeline, capsys):  # noqa: F811
    pipeline.write_service("svc", {"job": {"schedule": LATER, "cmd": "echo hi"}})
    assert deploy_chronos_jobs.main(["-d", str(pipeline.soa_dir)]) == 0
    soa = str(pipeline.soa_dir)
    capsys.readouterr()

    assert paasta_serviceinit.main(["svc.job", "-d", soa, "status"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("instance: job\nGit sha:    4f2ab6d1 (desired)\n")
    assert "Desired:    Scheduled" in out and "Job:     svc job" in out
    assert f"Schedule: {LATER}" in out

    assert paasta_serviceinit.main(["svc.job", "-d", soa, "start"]) == 0
    out = capsys.readouterr().out
    assert "EmergencyStart: Starting manual run of svc job in Chronos" in out
    wait_for(lambda: pipeline.job("svc job")["successCount"] == 1, timeout=10)
