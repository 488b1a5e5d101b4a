"""paasta_serviceinit against the devcluster: status as paasta status shows it, emergency actions, errors."""

from __future__ import annotations

from paasta_tools.scripts import paasta_serviceinit
from tests.integration.marathon_pipeline.conftest import HEALTHY_INSTANCE, make_pipeline  # noqa: F401

QUICK = {key: HEALTHY_INSTANCE[key] for key in ("cmd", "instances", "cpus", "mem", "disk")}


def _deployed(make_pipeline, wait_for):  # noqa: F811
    pipeline = make_pipeline("noop")
    pipeline.write_service({"main": QUICK, "canary": {**QUICK, "instances": 1}})
    (pipeline.soa_dir / "svc" / "adhoc-devcluster.yaml").write_text("sample: {}\n")
    pipeline.bounce_until("svc.main", lambda: pipeline.converged(2))
    return pipeline


def test_status_of_a_running_instance(make_pipeline, wait_for, capsys):  # noqa: F811
    pipeline = _deployed(make_pipeline, wait_for)
    assert paasta_serviceinit.main(["svc.main", "status", "-d", str(pipeline.soa_dir)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[:2] == ["instance: main", "Git sha:    aaaaaaaa (desired)"]
    assert any(line.startswith("Desired State:      Configured and Started") for line in lines), lines
    assert any(line.startswith("Marathon:   Healthy - up with (2/2) instances.") for line in lines), lines


def test_status_of_several_instances_reports_each_and_fails_for_the_broken_ones(make_pipeline, wait_for, capsys):  # noqa: F811
    pipeline = _deployed(make_pipeline, wait_for)
    argv = ["-s", "svc", "-i", "main,canary,sample,nope", "-d", str(pipeline.soa_dir), "-v", "status"]
    assert paasta_serviceinit.main(argv) == 1
    out = capsys.readouterr().out
    assert out.index("instance: main") < out.index("instance: canary")
    assert "(app svc.canary." in out and "is not configured in Marathon yet" in out
    assert "instance: sample" not in out  # adhoc instances are skipped
    assert "instance: nope\nError: svc.nope doesn't look like it has been configured to run on the devcluster" in out
    assert "Marathon app ID:" in out  # -v shows the app and its tasks


def test_restart_scales_the_app_to_zero(make_pipeline, wait_for, capsys):  # noqa: F811
    pipeline = _deployed(make_pipeline, wait_for)
    (app_id,) = pipeline.apps()
    assert paasta_serviceinit.main(["svc.main", "-d", str(pipeline.soa_dir), "restart"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("instance: main\nGit sha:    aaaaaaaa (desired)\n")
    assert f"Scaled {app_id.lstrip('/')} down to 0 instances; setup_marathon_job will scale it back up to 2." in out
    assert wait_for(lambda: pipeline.apps()[app_id]["instances"] == 0, timeout=5)


def test_missing_names_are_an_error(capsys):
    assert paasta_serviceinit.main(["-s", "svc", "status"]) == 1
    assert "The name of service or the name of instance to inspect is missing. Exiting." in capsys.readouterr().err
    assert paasta_serviceinit.main(["svc", "status"]) == 1


def test_a_scheduler_failure_of_one_instance_does_not_stop_the_others(make_pipeline, wait_for, capsys):  # noqa: F811
    pipeline = _deployed(make_pipeline, wait_for)
    (app_id,) = pipeline.apps()
    pipeline.faults.add(500, method="PUT", path_prefix=f"/v2/apps/{app_id}")
    argv = ["-s", "svc", "-i", "main,canary", "-d", str(pipeline.soa_dir), "stop"]
    assert paasta_serviceinit.main(argv) == 1
    out = capsys.readouterr().out
    assert "Error: stop of svc.main failed: " in out
    canary = "instance: canary\nGit sha:    aaaaaaaa (desired)\nsvc.canary has no app in Marathon: nothing to stop."
    assert canary in out
