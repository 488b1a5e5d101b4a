"""graceful_app_drain against the devcluster: tasks drained with the instance's drain method, killed once
safe, then the app deleted."""

from __future__ import annotations

import threading

from paasta_tools.clients.drain_methods import TestDrainMethod
from paasta_tools.scripts import graceful_app_drain
from tests.integration.marathon_pipeline.conftest import HEALTHY_INSTANCE, make_pipeline  # noqa: F401

QUICK = {key: HEALTHY_INSTANCE[key] for key in ("cmd", "instances", "cpus", "mem", "disk")}


def test_tasks_are_drained_then_killed_and_the_app_deleted(make_pipeline, wait_for, capsys):  # noqa: F811
    TestDrainMethod.reset()
    pipeline = make_pipeline("noop")
    pipeline.write_service({"main": {**QUICK, "drain_method": "test", "bounce_method": "brutal"}})
    pipeline.bounce_until("svc.main", lambda: pipeline.converged(2))
    ((app_id, app),) = pipeline.apps().items()
    tasks = {t["id"] for t in app["tasks"]}
    codes: list[int] = []
    args = [app_id, "-d", str(pipeline.soa_dir), "--interval", "0.05"]
    worker = threading.Thread(target=lambda: codes.append(graceful_app_drain.main(args)))
    worker.start()
    try:
        wait_for(lambda: TestDrainMethod.downed_task_ids == tasks, timeout=10)
        assert {t["id"] for t in pipeline.apps()[app_id]["tasks"]} == tasks  # draining: nothing killed yet
        TestDrainMethod.mark_arbitrary_task_as_safe_to_kill()
        wait_for(lambda: len(pipeline.apps().get(app_id, {}).get("tasks", [])) == 1, timeout=10)
        assert pipeline.apps()[app_id]["instances"] == 1  # killed with scale: not replaced
        TestDrainMethod.mark_arbitrary_task_as_safe_to_kill()
        worker.join(timeout=15)
    finally:
        TestDrainMethod.downed_task_ids.clear()
        worker.join(timeout=15)
        TestDrainMethod.reset()
    assert codes == [0]
    assert pipeline.apps() == {}
    out = capsys.readouterr().out
    assert "Sleeping for 0.05 seconds to give the tasks time to drain" in out
    assert out.endswith(f"Successfully killed {app_id.lstrip('/')}\n")
    messages = [line["message"] for line in pipeline.deploy_log()]
    killed = {m.rsplit(" ", 1)[1] for m in messages if m.startswith("down bounce killing drained task ")}
    assert killed == tasks  # a task still listed while Marathon kills it may be killed (and logged) again
    assert f"down bounce removing old unused apps with app_ids: {app_id}" in messages


def test_an_unknown_app_is_an_error(make_pipeline, capsys):  # noqa: F811
    pipeline = make_pipeline("noop")
    pipeline.write_service({"main": QUICK})
    assert graceful_app_drain.main(["svc.main.gitdeadbeef.config12345678", "-d", str(pipeline.soa_dir)]) == 1
    assert "Couldn't find an app named svc.main.gitdeadbeef.config12345678" in capsys.readouterr().err


def test_an_app_that_is_no_paasta_instance_is_an_error(make_pipeline, capsys):  # noqa: F811
    import requests

    pipeline = make_pipeline("noop")
    pipeline.write_service({"main": QUICK})
    body = {"id": "/other.main.gitaaaaaaaa.config00000000", "cmd": "sleep 100", "instances": 1, "cpus": 0.01}
    requests.post(f"{pipeline.url}/v2/apps", json=body, timeout=5).raise_for_status()
    assert graceful_app_drain.main([body["id"], "-d", str(pipeline.soa_dir)]) == 1
    assert "other" in capsys.readouterr().err
    assert "/other.main.gitaaaaaaaa.config00000000" in pipeline.apps("/other.")
