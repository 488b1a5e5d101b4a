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
from tests.integration.status.helpers import CLUSTER, deploy, running_tasks, system_config_dir, write_service


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
    assert "    Marathon:   Healthy - up with (0/0) instances. Status: Stopped\n" in text
    assert "    Mesos:      Healthy - (0/0) tasks in the TASK_RUNNING state.\n" in text


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


def test_smartstack_backends_from_a_real_haproxy(tmp_path: Path, devcluster_factory, monkeypatch, wait_for) -> None:
    import random

    from tests.conftest import require
    from tests.support.haproxy import HaproxyStats, listening, missing_haproxy, statuses

    require(missing_haproxy())
    stats_port, low = free_port(), random.randrange(20000, 29000, 100)
    running = devcluster_factory(port_range=(low, low + 99))
    etc = system_config_dir(tmp_path, running, synapse_port=stats_port)
    monkeypatch.setenv("PAASTA_SYSTEM_CONFIG_DIR", str(etc))
    client, soa = marathon_client.get_marathon_client(running.marathon_url), tmp_path / "soa"
    marathon = {"main": {"instances": 2, "healthcheck_mode": "cmd"}}
    write_service(soa, "svc", marathon, smartstack={"main": {"proxy_port": 20001}})
    app_id = deploy(client, soa, "svc", "main")
    tasks = wait_for(lambda: (t := running_tasks(client, app_id)) and len(t) == 2 and t)
    ports = sorted(t.ports[0] for t in tasks)
    stray = free_port()  # a backend no task of the app runs on
    backends = {"svc.main": [("127.0.0.1", port, "localhost") for port in [*ports, stray]]}
    settled = {ports[0]: "UP", ports[1]: "DOWN", stray: "DOWN"}
    with listening(ports[:1]), HaproxyStats(tmp_path, backends, stats_port) as haproxy:
        wait_for(lambda: statuses(haproxy) == settled)
        code, text = _status(soa)
        assert code == 0
        assert text.endswith(
            "    Smartstack:\n"
            "        devregion - Healthy - in haproxy with (1/2, 50%) total backends UP in this namespace.\n"
        )
        code, text = _status(soa, verbose=1)
    lines = text.splitlines()
    start = lines.index("    Smartstack:")
    assert lines[start + 1 : start + 3] == ["      Haproxy Service Name: svc.main", "      Backends:"]
    assert lines[start + 4].startswith("        devregion - Healthy")
    rows = lines[start + 5 :]
    assert rows[0].startswith(f"          localhost:{ports[0]}") and rows[0].endswith("UP")
    assert {row.split()[0] for row in rows[1:]} == {f"localhost:{ports[1]}", f"localhost:{stray}"}
    assert all(row.endswith("DOWN") for row in rows[1:])


def test_cli_flags_deploy_group_and_json(tmp_path: Path, devcluster_factory, monkeypatch, capsys) -> None:
    from paasta_tools.cli.cli import main

    running, client, soa = _setup(tmp_path, devcluster_factory, monkeypatch)
    write_service(soa, "svc", {"main": {"instances": 1}, "canary": {"instances": 1, "deploy_group": "canaries"}})
    assert main(["status", "-s", "svc", "-d", str(soa), "-l", "canaries", "-o", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert [i["instance"] for c in document["clusters"] for i in c["instances"]] == ["canary"]
    assert main(["status", "-s", "svc", "-d", str(soa), "-l", "nothing"]) == 1
    assert "No instances of svc use the deploy group nothing." in capsys.readouterr().out
    (soa / "svc" / "deployments.json").unlink()
    assert main(["status", "-s", "svc", "-d", str(soa)]) == 1
    assert capsys.readouterr().out == "%s No deployments in deployments.json yet.\n  Has Jenkins run?\n"


def test_registration_flag_keeps_the_instances_registered_there(
    tmp_path: Path, devcluster_factory, monkeypatch, capsys
) -> None:
    from paasta_tools.cli.cli import main

    running, client, soa = _setup(tmp_path, devcluster_factory, monkeypatch)
    instances = {
        "main": {"instances": 1},
        "canary": {"instances": 1, "registrations": ["svc.main"]},
        "batch": {"instances": 1, "registrations": ["svc.batch"]},
    }
    write_service(soa, "svc", instances)

    def shown(*flags: str) -> list[str]:
        assert main(["status", "-s", "svc", "-d", str(soa), "-o", "json", *flags]) == 0
        document = json.loads(capsys.readouterr().out)
        return sorted(i["instance"] for c in document["clusters"] for i in c["instances"])

    assert shown("-r", "svc.main") == ["canary", "main"]
    assert shown("--registration", "svc.batch,svc.other") == ["batch"]
    assert shown("-r", "svc.main", "-i", "canary,batch") == ["canary"]
    assert main(["status", "-s", "svc", "-d", str(soa), "-r", "svc.nowhere"]) == 1
    assert "No instances of svc are registered in svc.nowhere." in capsys.readouterr().out


def test_owner_flag_keeps_the_team_s_instances_and_lists_its_services(
    tmp_path: Path, devcluster_factory, monkeypatch, capsys
) -> None:
    from paasta_tools.cli.cli import main

    running, client, soa = _setup(tmp_path, devcluster_factory, monkeypatch)
    write_service(soa, "svc", {"main": {"instances": 1}, "canary": {"instances": 1, "monitoring": {"team": "ops"}}})
    write_service(soa, "other", {"main": {"instances": 1}})
    (soa / "broken").mkdir()
    (soa / "broken" / f"marathon-{CLUSTER}.yaml").write_text("main: [unclosed\n")

    def shown(*flags: str) -> list[tuple[str, str]]:
        assert main(["status", "-d", str(soa), "-o", "json", *flags]) == 0
        document = json.loads(capsys.readouterr().out)
        documents = document if isinstance(document, list) else [document]
        return sorted((d["service"], i["instance"]) for d in documents for c in d["clusters"] for i in c["instances"])

    assert shown("-s", "svc", "--owner", "ops") == [("svc", "canary")]
    assert shown("--owner", "devs") == [("other", "main"), ("svc", "main")]
    assert main(["status", "-d", str(soa), "--owner", "ops"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("service: svc\n") and "instance: canary" in text and "instance: main" not in text
    assert main(["status", "-d", str(soa), "--owner", "nobody"]) == 1
    assert capsys.readouterr().out == f"No instances in {soa} are owned by nobody.\n"
    assert main(["status", "-s", "other", "-d", str(soa), "--owner", "ops"]) == 1
    assert "No instances of other are owned by ops." in capsys.readouterr().out


def test_app_too_big_for_the_agent_is_waiting(tmp_path: Path, devcluster_factory, monkeypatch, wait_for) -> None:
    running, client, soa = _setup(tmp_path, devcluster_factory, monkeypatch)
    write_service(soa, "svc", {"main": {"instances": 2, "cpus": 100000}})
    deploy(client, soa, "svc", "main")
    text = wait_for(lambda: "Status: Waiting" in (t := _status(soa)[1]) and t)
    assert (
        "    Marathon:   Critical - up with (0/2) instances. "
        "Status: Waiting (new tasks waiting for capacity to become available)\n"
    ) in text
    assert "      Stalled: 2 task(s) waiting for resources: no Mesos offer matches the app's" in text


def test_vv_tails_stdout_and_stderr_from_the_agent_sandbox(
    tmp_path: Path, devcluster_factory, monkeypatch, wait_for
) -> None:
    from paasta_tools.devcluster.executors.process import ProcessExecutor

    data_dir = tmp_path / "cluster"
    running = devcluster_factory(executor=ProcessExecutor(data_dir), data_dir=data_dir)
    monkeypatch.setenv("PAASTA_SYSTEM_CONFIG_DIR", str(system_config_dir(tmp_path, running)))
    client, soa = marathon_client.get_marathon_client(running.marathon_url), tmp_path / "soa"
    cmd = "for n in 1 2 3 4 5 6 7 8 9 10 11 12; do echo out-$n; done; echo oops >&2; exec sleep 60"
    write_service(soa, "svc", {"main": {"instances": 1, "cmd": cmd}})
    app_id = deploy(client, soa, "svc", "main")
    wait_for(lambda: len(running_tasks(client, app_id)) == 1)
    text = wait_for(lambda: "out-12" in (t := _status(soa, verbose=2)[1]) and t, timeout=5)
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith("stdout tail for "))
    assert [line.strip() for line in lines[start + 1 : start + 11]] == [f"out-{n}" for n in range(3, 13)]
    assert lines[start + 11].strip() == "stdout EOF"
    assert lines[start + 12].strip().startswith("stderr tail for ")
    assert [lines[start + 13].strip(), lines[start + 14].strip()] == ["oops", "stderr EOF"]


def test_status_of_an_app_deployed_by_setup_marathon_job(
    tmp_path: Path, devcluster_factory, monkeypatch, zookeeper, wait_for
) -> None:
    from paasta_tools.scripts import setup_marathon_job

    running = devcluster_factory()
    etc = system_config_dir(tmp_path, running, zookeeper=zookeeper.url(f"/mesos-{tmp_path.name}"))
    monkeypatch.setenv("PAASTA_SYSTEM_CONFIG_DIR", str(etc))
    soa = tmp_path / "soa"
    write_service(soa, "svc", {"main": {"instances": 2}})
    assert setup_marathon_job.main(["svc.main", "-d", str(soa)]) == 0
    expected = "    Marathon:   Healthy - up with (2/2) instances. Status: Running\n"
    text = wait_for(lambda: expected in (t := _status(soa)[1]) and t)
    assert "    Desired State:      Configured and Started\n" in text


def test_bouncing_between_two_apps(tmp_path: Path, devcluster_factory, monkeypatch, wait_for) -> None:
    running, client, soa = _setup(tmp_path, devcluster_factory, monkeypatch)
    write_service(soa, "svc", {"main": {"instances": 2, "bounce_method": "upthendown"}})
    old_id = deploy(client, soa, "svc", "main")
    write_service(soa, "svc", {"main": {"instances": 2, "bounce_method": "upthendown", "cmd": "new"}})
    new_id = deploy(client, soa, "svc", "main")
    assert old_id != new_id
    wait_for(lambda: len(running_tasks(client, old_id)) == 2 and len(running_tasks(client, new_id)) == 2)
    code, text = _status(soa, verbose=1)
    assert "    Desired State:      Bouncing (upthendown) and Started\n" in text
    assert "    Marathon:   Healthy - up with (2/2) instances. Status: Running\n" in text
    assert f"      Marathon app ID: /{old_id}\n" in text and f"      Marathon app ID: /{new_id}\n" in text
    assert "    Mesos:      Healthy - (4/2) tasks in the TASK_RUNNING state.\n" in text
