"""The host and master scripts against real components: paasta_metastatus on a devcluster,
check_synapse_replication on a real HAProxy, kill_orphaned_docker_containers and
paasta_docker_wrapper on the real Docker engine."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import requests

from paasta_tools.clients import marathon_client
from paasta_tools.marathon.job_id import format_job_id
from paasta_tools.scripts import check_synapse_replication, kill_orphaned_docker_containers, paasta_metastatus
from tests.conftest import free_port
from tests.integration.status.helpers import deploy, running_tasks, system_config_dir, write_service
from tests.support.haproxy import HaproxyStats, listening, missing_haproxy, statuses

BIN = Path(sys.executable).parent
LOOP = "trap 'exit 143' TERM; while true; do sleep 0.2; done"


def _post(running, app_id: str, mem: float, image: str | None = None) -> None:
    app = {"id": app_id, "cmd": LOOP, "instances": 1, "cpus": 0.1, "mem": mem}
    if image:
        app["container"] = {"type": "DOCKER", "docker": {"image": image, "network": "BRIDGE"}}
    assert requests.post(running.marathon_url + "/v2/apps", json=app, timeout=5).status_code == 201


# --- paasta_metastatus -------------------------------------------------------------------------


def test_paasta_metastatus_reports_the_local_cluster(
    tmp_path: Path, devcluster_factory, monkeypatch, capsys, wait_for
) -> None:
    running = devcluster_factory()
    etc = system_config_dir(tmp_path, running)
    monkeypatch.setenv("PAASTA_SYSTEM_CONFIG_DIR", str(etc))
    soa = tmp_path / "soa"
    write_service(soa, "svc", {"main": {"instances": 1, "cpus": 0.1, "mem": 64}})

    assert paasta_metastatus.main(["-d", str(soa)]) == 2  # no Marathon app yet
    out = capsys.readouterr().out
    assert out.startswith("Master paasta_tools version: ") and "Cluster:" not in out
    assert "Mesos Status: OK\n" in out and "Marathon Status: CRITICAL\n" in out

    client = marathon_client.get_marathon_client(running.marathon_url)
    app_id = deploy(client, soa, "svc", "main")
    wait_for(lambda: len(running_tasks(client, app_id)) == 1 and not client.list_deployments(), timeout=20)
    assert paasta_metastatus.main(["-d", str(soa), "-vv", "-g", "region", "pool"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "  Resources Grouped by region" in lines and "  Resources Grouped by pool" in lines
    assert "Marathon Status: OK" in lines and "Chronos Status: OK" in lines

    env = {**os.environ, "PAASTA_SYSTEM_CONFIG_DIR": str(etc)}
    argv = [BIN / "paasta_metastatus.py", "-d", str(soa)]
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stderr) == (0, "")
    assert "Mesos Status: OK" in done.stdout

    agent_mem = running.cluster.agent.mem
    big = "/" + format_job_id("svc", "big", "gitabcdef01", "config12345678")
    _post(running, big, mem=agent_mem * 0.95)
    wait_for(lambda: len(running_tasks(client, big)) == 1, timeout=20)
    assert paasta_metastatus.main(["-v"]) == 2
    out = capsys.readouterr().out
    assert "Mesos Status: CRITICAL" in out and "CRITICAL: Less than 10% memory available." in out


def test_paasta_metastatus_without_a_cluster_name(tmp_path: Path, monkeypatch, capsys) -> None:
    (tmp_path / "etc").mkdir()
    monkeypatch.setenv("PAASTA_SYSTEM_CONFIG_DIR", str(tmp_path / "etc"))
    assert paasta_metastatus.main([]) == 1
    err = capsys.readouterr().err
    assert err.startswith("paasta_metastatus: ") and "cluster" in err


# --- check_synapse_replication ------------------------------------------------------------------


@pytest.fixture
def synapse(tmp_path: Path, monkeypatch, wait_for):
    """A real HAProxy as this host's synapse: svc.main with one live and one dead server, svc.canary dead."""
    reason = missing_haproxy()
    if reason:
        pytest.skip(reason)
    live, dead, stats_port = free_port(), free_port(), free_port()
    backends = {
        "svc.main": [("127.0.0.1", live, "localhost"), ("127.0.0.1", dead, "localhost")],
        "svc.canary": [("127.0.0.1", dead, "localhost")],
    }
    etc = tmp_path / "etc"
    etc.mkdir()
    (etc / "cluster.json").write_text(json.dumps({"cluster": "devcluster"}))
    (etc / "smartstack.json").write_text(json.dumps({"synapse_host": "127.0.0.1", "synapse_port": stats_port}))
    monkeypatch.setenv("PAASTA_SYSTEM_CONFIG_DIR", str(etc))
    with listening([live]), HaproxyStats(tmp_path, backends, stats_port) as haproxy:
        wait_for(lambda: statuses(haproxy) == {live: "UP", dead: "DOWN"}, timeout=15)
        wait_for(lambda: statuses(haproxy, "svc.canary") == {dead: "DOWN"}, timeout=15)
        yield etc


def test_check_synapse_replication_against_a_real_haproxy(synapse: Path, capsys) -> None:
    def check(*argv: str) -> tuple[int, str]:
        code = check_synapse_replication.main(list(argv))
        return code, capsys.readouterr().out

    assert check("-w", "1:", "-c", "1:", "svc.main") == (0, "OK svc.main has 1 instance(s)\n")
    assert check("-w", "2:", "-c", "1:", "svc.main") == (
        1,
        f"WARNING svc.main has 1 instance(s), expected value in (2, {sys.maxsize})\n",
    )
    assert check("-w", "1:", "--critcal", "1:3", "svc.main", "svc.canary") == (
        2,
        "OK svc.main has 1 instance(s)\nCRITICAL svc.canary has 0 instance(s), expected value in (1, 3)\n",
    )
    unreachable = free_port()
    code, out = check("-P", str(unreachable), "-w", "1:", "-c", "1:", "svc.main")
    assert code == 3
    url = f"http://127.0.0.1:{unreachable}/;csv;norefresh"
    assert out == f"UNKNOWN: could not read HAProxy stats from {url}: nothing answers there\n"

    env = {**os.environ, "PAASTA_SYSTEM_CONFIG_DIR": str(synapse)}
    argv = [BIN / "check_synapse_replication", "-w", "2:", "-c", "1:", "svc.main"]
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout.split(",")[0]) == (1, "WARNING svc.main has 1 instance(s)")


# --- kill_orphaned_docker_containers ------------------------------------------------------------


@pytest.mark.docker
def test_only_the_orphaned_container_is_killed(devcluster_factory, docker_engine, capsys, wait_for) -> None:
    from paasta_tools.devcluster.executors.docker import devcluster_id, remove_devcluster_containers

    running = devcluster_factory(executor="docker")
    agent_id = running.cluster.agent.agent_id
    app_id = "/" + format_job_id("svc", "main", "gitabcdef01", "config12345678")
    _post(running, app_id, mem=32, image="busybox:latest")
    client = marathon_client.get_marathon_client(running.marathon_url)
    (task,) = wait_for(lambda: running_tasks(client, app_id), timeout=30)
    orphan_name = f"mesos-{agent_id}.{uuid.uuid4()}"
    orphan = docker_engine.containers.run(
        "busybox:latest", ["sh", "-c", LOOP], name=orphan_name, detach=True, environment={"MESOS_TASK_ID": "svc.gone.1"}
    )
    try:
        argv = ["--agent-url", running.mesos_url, "--only-this-agent"]
        assert kill_orphaned_docker_containers.main(argv) == 1
        assert capsys.readouterr().out == f"CRIT: Docker containers are orphaned: {orphan_name} (svc.gone.1)\n"
        orphan.reload()
        assert orphan.status == "running"  # a dry run kills nothing

        assert kill_orphaned_docker_containers.main([*argv, "-f"]) == 1
        assert capsys.readouterr().out.endswith(f"{orphan_name} (svc.gone.1) and will be killed\n")

        def orphan_stopped() -> bool:
            orphan.reload()
            return orphan.status != "running"

        wait_for(orphan_stopped, timeout=15)
        assert kill_orphaned_docker_containers.main(argv) == 0
        assert capsys.readouterr().out == "OK: All mesos task IDs accounted for\n"
        assert [t.id for t in running_tasks(client, app_id)] == [task.id]
        task_containers = docker_engine.containers.list(filters={"label": f"paasta.devcluster.task_id={task.id}"})
        assert [c.status for c in task_containers] == ["running"]
    finally:
        orphan.remove(force=True)
        remove_devcluster_containers(devcluster_id(running.cluster.settings.data_dir))


def test_kill_orphaned_docker_containers_without_an_agent(capsys) -> None:
    port = free_port()
    assert kill_orphaned_docker_containers.main(["--agent-url", f"http://127.0.0.1:{port}", "-f"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("kill_orphaned_docker_containers: could not reach the Mesos master at ")
    assert f"http://127.0.0.1:{port}/slave(1)/state" in err


# --- paasta_docker_wrapper ----------------------------------------------------------------------


@pytest.mark.docker
def test_docker_wrapper_names_the_task_container(docker_engine) -> None:
    task_id = "svc.main.gitabcdef01.config12345678.c0ffee00-1d2b-11e7"
    argv = [
        BIN / "paasta_docker_wrapper",
        "run",
        "--rm",
        "-e",
        f"MESOS_TASK_ID={task_id}",
        "busybox:latest",
        "hostname",
    ]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"{socket.getfqdn().partition('.')[0]}-c0ffee00-1d2b-11e7\n"

    argv = [BIN / "paasta_docker_wrapper", "run", "--rm", "-h", "chosen", "-e", f"MESOS_TASK_ID={task_id}"]
    done = subprocess.run([*argv, "busybox:latest", "hostname"], capture_output=True, text=True, timeout=60)
    assert done.stdout == "chosen\n"


def test_docker_wrapper_without_docker_on_path(tmp_path: Path) -> None:
    env = {**os.environ, "PATH": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, BIN / "paasta_docker_wrapper", "ps"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1
    assert done.stderr.startswith("paasta_docker_wrapper: cannot run docker: ")
