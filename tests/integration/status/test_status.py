"""``paasta status`` of Marathon instances against the devcluster: running, stopped, crashing, missing."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

from paasta_tools.cli.cmds.status import report_status
from paasta_tools.clients import marathon_client
from paasta_tools.devcluster.executors.base import TaskSpec, TaskState, TaskStatus
from paasta_tools.devcluster.executors.noop import NoopExecutor
from tests.conftest import free_port
from tests.integration.status.helpers import deploy, running_tasks, system_config_dir, write_service


class CrashingExecutor(NoopExecutor):
    """Every task exits with 1 right after it starts."""

    async def launch(self, spec: TaskSpec) -> None:
        now = time.time()
        self._tasks[spec.task_id] = TaskStatus(TaskState.FAILED, 1, "Command exited with status 1", now, now)


def _status(soa: Path, *args, **kwargs) -> tuple[int, str]:
    out = io.StringIO()
    code = report_status("svc", str(soa), *args, out=out, **kwargs)
    return code, out.getvalue()


def _setup(tmp_path: Path, devcluster_factory, monkeypatch, executor=None, **extra):
    running = devcluster_factory(executor=executor)
    monkeypatch.setenv("PAASTA_SYSTEM_CONFIG_DIR", str(system_config_dir(tmp_path, running, **extra)))
    return running, marathon_client.get_marathon_client(running.marathon_url), tmp_path / "soa"


def test_running_app_and_undeployed_instance(tmp_path: Path, devcluster_factory, monkeypatch, wait_for) -> None:
    running, client, soa = _setup(tmp_path, devcluster_factory, monkeypatch)
    write_service(soa, "svc", {"main": {"instances": 2}, "canary": {"instances": 1}}, deployed=["main"])
    app_id = deploy(client, soa, "svc", "main")
    wait_for(lambda: len(running_tasks(client, app_id)) == 2 and not client.list_deployments())
    code, text = _status(soa)
    assert code == 0
    assert text == (
        "\n"
        "cluster: devcluster\n"
        "  instance: canary\n"
        "    Git sha:    None (not deployed yet)\n"
        "  instance: main\n"
        "    Git sha:    abcdef01 (desired)\n"
        "    Desired State:      Configured and Started\n"
        "    Marathon:   Healthy - up with (2/2) instances. Status: Running\n"
        "    Mesos:      Healthy - (2/2) tasks in the TASK_RUNNING state.\n"
    )
    code, text = _status(soa, verbose=1, instances=["main", "nope"])
    lines = text.splitlines()
    assert f"      Marathon app ID: /{app_id}" in lines
    task_rows = [line for line in lines if line.startswith("        ") and "127.0.0.1:" in line]
    assert len(task_rows) == 2 and all(row.rstrip().endswith("N/A") for row in task_rows)
    assert "      Running Tasks:" in lines and "      Non-Running Tasks" in lines
    assert lines[-2:] == ["Warning: This service does not have any instance matching these names:", "nope"]


def test_stopped_app(tmp_path: Path, devcluster_factory, monkeypatch, wait_for) -> None:
    running, client, soa = _setup(tmp_path, devcluster_factory, monkeypatch)
    write_service(soa, "svc", {"main": {"instances": 3}}, desired_state={"main": "stop"})
    deploy(client, soa, "svc", "main")
    wait_for(lambda: not client.list_deployments())
    code, text = _status(soa)
    assert code == 0
    assert "    Desired State:      Configured and Stopped\n" in text
    assert "    Marathon:   Critical - up with (0/3) instances. Status: Stopped\n" in text
    assert "    Mesos:      Critical - (0/3) tasks in the TASK_RUNNING state.\n" in text


def test_crashing_app_is_delayed_with_the_reason(tmp_path: Path, devcluster_factory, monkeypatch, wait_for) -> None:
    running, client, soa = _setup(tmp_path, devcluster_factory, monkeypatch, executor=CrashingExecutor())
    write_service(soa, "svc", {"main": {"instances": 1}})  # backoff_seconds = ceil(10 / 1) = 10
    deploy(client, soa, "svc", "main")
    text = wait_for(lambda: "Status: Delayed" in (t := _status(soa)[1]) and t)
    assert "    Marathon:   Critical - up with (0/1) instances. Status: Delayed (tasks are crashing, next " in text
    assert "won't launch for another " in text and "seconds)\n" in text
    assert "      Stalled: last task failure: TASK_FAILED on 127.0.0.1: Command exited with status 1\n" in text


def test_missing_app_json_output_and_unreachable_cluster(
    tmp_path: Path, devcluster_factory, monkeypatch, wait_for
) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    clusters = {"clusters": {"dead": {"marathon_config": {"url": dead}, "mesos_url": dead}}}
    running, client, soa = _setup(tmp_path, devcluster_factory, monkeypatch)
    (tmp_path / "etc_paasta" / "zz_dead.json").write_text(json.dumps(clusters))
    write_service(soa, "svc", {"main": {"instances": 2}})
    (soa / "svc" / "marathon-dead.yaml").write_text("main:\n  instances: 1\n")
    deployments = json.loads((soa / "svc" / "deployments.json").read_text())
    deployments["v1"]["svc:paasta-dead.main"] = deployments["v1"]["svc:paasta-devcluster.main"]
    (soa / "svc" / "deployments.json").write_text(json.dumps(deployments))

    code, text = _status(soa)
    assert code == 1
    assert "cluster: dead\n    Error: Marathon" in text
    assert "    Marathon:   Warning - svc.main (app svc.main.gitabcdef01.config" in text
    assert ") is not configured in Marathon yet (waiting for bounce)\n" in text

    code, text = _status(soa, clusters=["devcluster", "elsewhere"], output="json")
    document = json.loads(text)
    assert code == 0
    [cluster] = document["clusters"]
    [instance] = cluster["instances"]
    assert cluster["cluster"] == "devcluster" and cluster["error"] is None
    assert instance["instance_type"] == "marathon" and instance["deploy_status"] == "NotRunning"
    assert instance["expected_count"] == 2 and instance["apps"] == []
    code, text = _status(soa, clusters=["elsewhere"])
    assert text.endswith("Warning: This service does not have any cluster matching these names:\nelsewhere\n")
