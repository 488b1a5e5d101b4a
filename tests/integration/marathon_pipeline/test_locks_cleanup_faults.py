"""Concurrent runs, cleanup of removed instances, and Marathon failures injected mid-bounce."""

from __future__ import annotations

import threading

import pytest

from paasta_tools.cli.cli import main as cli_main
from paasta_tools.clients import zookeeper
from paasta_tools.scripts import cleanup_marathon_jobs, deploy_marathon_services, setup_marathon_job
from tests.integration.marathon_pipeline.conftest import HEALTHY_INSTANCE

# No health checks: a started task is happy at once (a COMMAND check would wait Marathon's delaySeconds 15).
QUICK = {key: HEALTHY_INSTANCE[key] for key in ("cmd", "instances", "cpus", "mem", "disk")}


def _brutal_bounce_pending(make_pipeline):
    """A pipeline whose svc.main (brutal bounce) runs 2 tasks and has just changed: (pipeline, the old app id)."""
    pipeline = make_pipeline("noop")
    config = {**QUICK, "bounce_method": "brutal"}
    pipeline.write_service({"main": config})
    pipeline.bounce_until("svc.main", lambda: pipeline.converged(2))
    (old_id,) = pipeline.apps()
    pipeline.write_service({"main": {**config, "env": {"V": "2"}}})
    return pipeline, old_id


def test_run_skips_an_instance_whose_bounce_lock_is_held(make_pipeline) -> None:
    pipeline = make_pipeline("noop")
    pipeline.write_service({"main": QUICK})
    with zookeeper.zk_connection(pipeline.zookeeper_url) as client, zookeeper.bounce_lock(client, "svc", "main"):
        assert pipeline.setup("svc.main") == 0
        assert pipeline.apps() == {}
    assert pipeline.sensu.events == []  # a skipped instance reports nothing
    assert pipeline.setup("svc.main") == 0
    assert len(pipeline.apps()) == 1


def test_two_concurrent_runs_create_the_app_once(make_pipeline) -> None:
    pipeline = make_pipeline("noop")
    pipeline.write_service({"main": QUICK})
    barrier = threading.Barrier(2)
    codes: list[int] = []

    def run() -> None:
        barrier.wait()
        codes.append(pipeline.setup("svc.main"))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert codes == [0, 0]
    assert len(pipeline.apps()) == 1
    created = [w for w in pipeline.faults.writes() if w == ("POST", "/v2/apps")]
    # one run created it; the other either skipped on the lock or was refused with 409
    assert 1 <= len(created) <= 2


def test_cleanup_removes_a_removed_instance_and_resolves_its_checks(make_pipeline, wait_for) -> None:
    pipeline = make_pipeline("noop")
    instances = {name: QUICK for name in ("main", "canary", "extra")}
    pipeline.write_service(instances)
    assert pipeline.setup("svc.main", "svc.canary", "svc.extra") == 0
    assert len(pipeline.apps("/svc.")) == 3
    pipeline.sensu.events.clear()
    pipeline.write_service({"main": QUICK, "canary": QUICK})
    assert cleanup_marathon_jobs.main(["-d", str(pipeline.soa_dir)]) == 0
    remaining = pipeline.apps("/svc.")
    assert len(remaining) == 2 and not any(app_id.startswith("/svc.extra.") for app_id in remaining)
    events = pipeline.sensu.wait_for_events(2)
    assert {e["name"] for e in events} == {
        "check_marathon_services_replication.svc.extra",
        "setup_marathon_job.svc.extra",
    }
    assert all(e["status"] == 0 and e["output"] == "This instance was removed and is no longer running" for e in events)
    assert any(
        line["message"].startswith("Deleted stale marathon job that looks lost: svc.extra.")
        for line in pipeline.deploy_log()
    )


def test_cleanup_refuses_to_kill_most_apps_without_force(make_pipeline, capsys) -> None:
    pipeline = make_pipeline("noop")
    pipeline.write_service({name: QUICK for name in ("main", "canary", "extra")})
    assert pipeline.setup("svc.main", "svc.canary", "svc.extra") == 0
    pipeline.write_service({"main": QUICK})
    assert cleanup_marathon_jobs.main(["-d", str(pipeline.soa_dir)]) == 1
    assert "about to kill more than 0.5 of the running services" in capsys.readouterr().err
    assert len(pipeline.apps("/svc.")) == 3
    assert cleanup_marathon_jobs.main(["-d", str(pipeline.soa_dir), "--force"]) == 0
    assert list(pipeline.apps("/svc.")) == [next(iter(pipeline.apps("/svc.main.")))]


def test_kill_failure_mid_bounce_converges_on_the_next_run(make_pipeline, wait_for, capsys) -> None:
    pipeline, old_id = _brutal_bounce_pending(make_pipeline)
    pipeline.faults.add(503, method="POST", path_prefix="/v2/tasks/delete")
    pipeline.sensu.events.clear()
    assert pipeline.setup("svc.main") == 1
    assert "svc.main: Marathon API error" in capsys.readouterr().err
    apps = pipeline.apps()
    assert old_id in apps and len(apps[old_id]["tasks"]) == 2  # nothing deleted while its tasks still ran
    event = pipeline.sensu.wait_for_events(1)[0]
    assert event["status"] == 2 and "Marathon API error" in event["output"]
    pipeline.bounce_until("svc.main", lambda: pipeline.converged(2) and old_id not in pipeline.apps())


def test_conflict_on_create_skips_the_run_and_the_next_one_creates(make_pipeline, capsys) -> None:
    pipeline = make_pipeline("noop")
    pipeline.write_service({"main": QUICK})
    pipeline.faults.add(409, method="POST", path_prefix="/v2/apps", body={"message": "An app with id exists"})
    assert pipeline.setup("svc.main") == 0
    assert pipeline.apps() == {}
    assert "another bounce beat us" in pipeline.sensu.wait_for_events(1)[0]["output"]
    assert pipeline.setup("svc.main") == 0
    assert len(pipeline.apps()) == 1


def test_listing_failure_is_reported_without_a_traceback(make_pipeline, capsys) -> None:
    pipeline = make_pipeline("noop")
    pipeline.write_service({"main": QUICK})
    pipeline.faults.add(500, method="GET", path_prefix="/v2/apps")
    assert pipeline.setup("svc.main") == 1
    err = capsys.readouterr().err
    assert "Could not list the Marathon apps" in err and "Traceback" not in err


def test_deploy_marathon_services_reports_a_broken_instance_and_deploys_the_others(make_pipeline, capsys) -> None:
    pipeline = make_pipeline("noop")
    pipeline.write_service({"main": QUICK, "broken": {**QUICK, "bounce_method": "sideways"}})
    pipeline.write_service({"main": QUICK}, service="other")
    bad = pipeline.soa_dir / "unreadable"
    bad.mkdir()
    (bad / "marathon-devcluster.yaml").write_text("main: [unclosed\n")
    assert deploy_marathon_services.main(["-d", str(pipeline.soa_dir)]) == 1
    err = capsys.readouterr().err
    assert "svc.broken: ERROR: bounce_method not recognized: 'sideways'" in err and "unreadable" in err
    assert set(pipeline.apps("/")) == {pipeline.only_app("/svc.main.")["id"], pipeline.only_app("/other.main.")["id"]}
    # nothing left to do for the healthy instances: the next run writes nothing for them
    before = len(pipeline.faults.writes())
    pipeline.write_service({"main": QUICK})
    assert deploy_marathon_services.main(["-d", str(pipeline.soa_dir)]) == 1
    assert len(pipeline.faults.writes()) == before


def test_draining_tasks_are_killed_only_once_safe(make_pipeline, wait_for) -> None:
    from paasta_tools.clients.drain_methods import TestDrainMethod

    TestDrainMethod.reset()
    pipeline = make_pipeline("noop")
    config = {**QUICK, "drain_method": "test", "bounce_method": "brutal"}
    pipeline.write_service({"main": config})
    pipeline.bounce_until("svc.main", lambda: pipeline.converged(2))
    (old_id,) = pipeline.apps()
    old_tasks = {t["id"] for t in pipeline.apps()[old_id]["tasks"]}
    pipeline.write_service({"main": {**config, "env": {"V": "2"}}})
    for _ in range(3):
        assert pipeline.setup("svc.main") == 0
    assert TestDrainMethod.downed_task_ids == old_tasks
    assert {t["id"] for t in pipeline.apps()[old_id]["tasks"]} == old_tasks  # draining, not yet safe
    progress = [m["message"] for m in pipeline.deploy_log() if "bounce in progress" in m["message"]]
    assert "2 old tasks draining." in progress[-1]
    while TestDrainMethod.downed_task_ids:
        TestDrainMethod.mark_arbitrary_task_as_safe_to_kill()
    assert pipeline.setup("svc.main") == 0
    assert old_id not in pipeline.apps()
    wait_for(lambda: pipeline.converged(2))
    TestDrainMethod.reset()


def test_delete_failure_keeps_the_old_app_until_a_later_run(make_pipeline, wait_for) -> None:
    pipeline, old_id = _brutal_bounce_pending(make_pipeline)
    # marathon-python requests /v2/apps/<id> with the id's own leading slash
    pipeline.faults.add(500, method="DELETE", path_prefix=f"/v2/apps/{old_id}")
    assert pipeline.setup("svc.main") == 0  # upstream swallows delete errors: the next run retries
    assert ("DELETE", f"/v2/apps/{old_id}") in pipeline.faults.writes()
    assert len(pipeline.apps()) == 2
    wait_for(lambda: pipeline.apps()[old_id]["tasks"] == [])  # killed, the app itself left behind
    assert any("Failed to delete old app" in line["message"] for line in pipeline.deploy_log())
    assert pipeline.setup("svc.main") == 0
    assert old_id not in pipeline.apps() and len(pipeline.apps()) == 1


def test_marathon_timeout_mid_bounce_fails_the_run_and_the_next_converges(make_pipeline) -> None:
    import os

    from paasta_tools.clients.marathon_client import get_marathon_client
    from paasta_tools.operations.marathon_reconcile import Reconciler
    from paasta_tools.system_config import load_system_paasta_config

    pipeline, old_id = _brutal_bounce_pending(make_pipeline)
    system_config = load_system_paasta_config(os.environ["PAASTA_SYSTEM_CONFIG_DIR"])
    impatient = get_marathon_client(pipeline.url, timeout=0.5)
    pipeline.faults.add(503, method="POST", path_prefix="/v2/tasks/delete", delay=1.5)
    reconciler = Reconciler(system_config, str(pipeline.soa_dir), client=impatient)
    (outcome,) = reconciler.run(reconciler.targets([("svc", "main")])).outcomes
    assert outcome.failed and "Marathon did not answer (kill tasks)" in outcome.result.output
    assert len(pipeline.apps()[old_id]["tasks"]) == 2
    pipeline.bounce_until("svc.main", lambda: pipeline.converged(2) and old_id not in pipeline.apps())


def test_deploy_marathon_services_with_parallel_jobs(make_pipeline, capsys) -> None:
    pipeline = make_pipeline("noop")
    names = [f"i{n}" for n in range(6)]
    pipeline.write_service({name: QUICK for name in names})
    assert deploy_marathon_services.main(["-d", str(pipeline.soa_dir), "-j", "3"]) == 0
    assert sorted(app_id.split(".")[1] for app_id in pipeline.apps("/svc.")) == names
    assert pipeline.faults.writes().count(("POST", "/v2/apps")) == 6
    assert len(pipeline.sensu.wait_for_events(6)) == 6
    with pytest.raises(SystemExit) as refused:  # argparse's usage error
        deploy_marathon_services.main(["-d", str(pipeline.soa_dir), "-j", "0"])
    assert refused.value.code == 2
    assert "must be a positive integer" in capsys.readouterr().err


def test_values_of_the_wrong_shape_break_only_their_instance(make_pipeline, capsys) -> None:
    pipeline = make_pipeline("noop")
    malformed = {
        "constraints": {**QUICK, "constraints": 5},
        "volumes": {**QUICK, "extra_volumes": "x"},
        "caps": {**QUICK, "cap_add": 5},
        "registrations": {**QUICK, "registrations": 5},
        "huge": {**QUICK, "cpus": 1e308},
    }
    pipeline.write_service(malformed, service="bad")
    pipeline.write_service({"main": QUICK})
    assert deploy_marathon_services.main(["-d", str(pipeline.soa_dir)]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    for instance in malformed:
        assert (
            f"bad.{instance}: " in err
            and f"bad/marathon-devcluster.yaml: {instance}: a value has the wrong type" in err
        )
    assert "paasta validate -s bad" in err
    assert set(pipeline.apps("/")) == {pipeline.only_app("/svc.main.")["id"]}
    assert setup_marathon_job.main(["bad.constraints", "-d", str(pipeline.soa_dir)]) == 1
    assert "bad.constraints" in capsys.readouterr().err
    assert cli_main(["status", "-s", "bad", "-d", str(pipeline.soa_dir)]) == 1
    out = capsys.readouterr().out
    assert "bad/marathon-devcluster.yaml: huge: a value has the wrong type" in out and "Traceback" not in out
    for command in ("emergency-start", "emergency-restart"):
        argv = [command, "-s", "bad", "-i", "huge", "-c", "devcluster", "-d", str(pipeline.soa_dir)]
        assert cli_main(argv) == 1, command
        out, err = capsys.readouterr()
        assert "bad/marathon-devcluster.yaml: huge: a value has the wrong type" in out + err, command
