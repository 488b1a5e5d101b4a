"""``paasta-devcluster up|status|down`` run as subprocesses on free ports."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from paasta_tools.devcluster import components
from paasta_tools.devcluster.json_files import read_json
from paasta_tools.devcluster.runner import record_alive
from paasta_tools.system_config import load_system_paasta_config
from tests.conftest import free_port
from tests.support.waiting import wait_for

SCRIPT = Path(sys.executable).parent / "paasta-devcluster"
PAASTA = Path(sys.executable).parent / "paasta"


def command(name: Path) -> list[str]:
    if name.exists():
        return [str(name)]
    module = "paasta_tools.devcluster" if name.name == "paasta-devcluster" else "paasta_tools.cli.cli"
    return [sys.executable, "-m", module]


class Devcluster:
    """One data dir and a set of free ports; ``run(action, *flags)`` runs the command."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        names = ("marathon", "chronos", "mesos", "zookeeper", "registry", "sensu", "api")
        self.ports = {name: free_port() for name in names}

    def port_flags(self) -> list[str]:
        return [flag for name, port in self.ports.items() for flag in (f"--{name}-port", str(port))]

    def run(
        self, *argv: str, via_paasta: bool = False, timeout: float = 60, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess:
        base = command(PAASTA) + ["devcluster"] if via_paasta else command(SCRIPT)
        env = {**os.environ, "PAASTA_DEVCLUSTER_DIR": str(self.data_dir), **(env or {})}
        return subprocess.run(base + list(argv), capture_output=True, text=True, env=env, timeout=timeout)

    def up(self, *flags: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        return self.run("up", *self.port_flags(), *flags, env=env)

    def url(self, name: str, path: str = "") -> str:
        return f"http://127.0.0.1:{self.ports[name]}{path}"

    def daemon_pid(self) -> int:
        return json.loads((self.data_dir / "devcluster.pid").read_text())["pid"]


@pytest.fixture
def devcluster(tmp_path: Path) -> Iterator[Devcluster]:
    cluster = Devcluster(tmp_path / "dc")
    yield cluster
    records = [cluster.data_dir / "devcluster.pid", *cluster.data_dir.glob("sandboxes/*/task.json")]
    if any(record_alive(read_json(path)) for path in records):
        cluster.run("down")


def test_up_status_down(devcluster: Devcluster) -> None:
    started = time.monotonic()
    result = devcluster.up("--executor", "process", "--cluster-name", "devtest", "--attribute", "region=north")
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - started < 10
    config_dir = devcluster.data_dir / "etc_paasta"
    assert result.stdout == f"export PAASTA_SYSTEM_CONFIG_DIR={config_dir}\n"
    assert "devcluster devtest is up" in result.stderr and "Executor:  process" in result.stderr
    assert requests.get(devcluster.url("marathon", "/ping"), timeout=5).status_code == 200
    state = requests.get(devcluster.url("mesos", "/master/state"), timeout=5).json()
    assert state["cluster"] == "devtest"
    assert state["slaves"][0]["attributes"] == {"region": "north"}
    config = load_system_paasta_config(config_dir)
    assert config.get_cluster() == "devtest"
    assert config.get_marathon_config()["url"] == devcluster.url("marathon")
    assert config.get_chronos_config()["url"] == [devcluster.url("chronos")]
    assert config.get_zk_hosts() == f"127.0.0.1:{devcluster.ports['zookeeper']}/mesos-devtest"
    assert (config.get_sensu_host(), config.get_sensu_port()) == ("127.0.0.1", devcluster.ports["sensu"])
    _send_sensu_event(config.get_sensu_host(), config.get_sensu_port())
    events = devcluster.data_dir / "sensu-events.jsonl"
    recorded = wait_for(lambda: events.exists() and events.read_text().splitlines())
    assert json.loads(recorded[0])["name"] == "setup_marathon_job.svc.main"

    status = devcluster.run("status")
    assert status.returncode == 0
    assert f"Marathon:  {devcluster.url('marathon')}  up" in status.stdout
    assert f"Mesos:     {devcluster.url('mesos')}  up" in status.stdout
    assert f"Sensu:     127.0.0.1:{devcluster.ports['sensu']} (events in" in status.stdout
    assert "Tasks:     0 running\n" in status.stdout
    if components.missing_zookeeper() is None:
        wait_for(lambda: components.zookeeper_ready(devcluster.ports["zookeeper"]), timeout=20)

    again = devcluster.up("--executor", "process")
    assert again.returncode == 0 and "already running" in again.stderr

    down = devcluster.run("down")
    assert down.returncode == 0 and "devcluster stopped" in down.stderr
    with pytest.raises(requests.ConnectionError):
        requests.get(devcluster.url("marathon", "/ping"), timeout=2)
    assert not components.zookeeper_ready(devcluster.ports["zookeeper"])
    stopped = devcluster.run("status", via_paasta=True)
    assert stopped.returncode == 1 and "devcluster is not running" in stopped.stderr


def test_auto_without_docker_runs_processes_and_says_so(devcluster: Devcluster, tmp_path: Path) -> None:
    no_engine = {"DOCKER_HOST": f"unix://{tmp_path}/no-engine.sock"}
    result = devcluster.up("--no-zookeeper", env=no_engine)
    assert result.returncode == 0, result.stderr
    assert "Executor:  process" in result.stderr
    assert "note: no Docker engine answers: tasks run as local processes" in result.stderr
    assert "note: registry not started: no Docker engine answers" in result.stderr


def test_bad_attribute_is_a_usage_error(devcluster: Devcluster) -> None:
    result = devcluster.up("--attribute", "region")
    assert result.returncode == 2
    assert "--attribute 'region': expected NAME=VALUE" in result.stderr


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["--data-dir", "/etc/passwd/x", "up"], 1, "--data-dir /etc/passwd/x: cannot create it: Not a directory"),
        (["up", "--mesos-port", "70000"], 2, "argument --mesos-port: 70000 is not a port number (1-65535)"),
        (["up", "--executor", "magic"], 2, "argument --executor: invalid choice: 'magic'"),
        (["up", "--cluster-name", "Dev/1"], 2, "'Dev/1': a cluster name has only lowercase letters"),
        (["--data-dir", "/etc/passwd/x", "down"], 0, "devcluster was not running"),
        (["--data-dir", "/etc/passwd/x", "status"], 1, "devcluster is not running"),
    ],
)
def test_bad_input_is_a_message_not_a_traceback(devcluster: Devcluster, argv, code, message) -> None:
    result = devcluster.run(*argv)
    assert (result.returncode, "Traceback" in result.stderr) == (code, False), result.stderr
    assert message in result.stderr


def test_busy_port_is_reported_with_its_flag(devcluster: Devcluster) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", devcluster.ports["chronos"]))
        busy.listen()
        result = devcluster.up("--executor", "noop")
    assert result.returncode == 1
    assert f"127.0.0.1:{devcluster.ports['chronos']} (--chronos-port) is already in use" in result.stderr
    assert "Traceback" not in result.stderr


def test_kill_9_then_up_keeps_apps_and_reattaches_tasks(devcluster: Devcluster) -> None:
    assert devcluster.up("--executor", "process", "--no-zookeeper", "--no-registry").returncode == 0
    app = {"id": "/sleeper", "cmd": "sleep 120", "instances": 1, "cpus": 0.1, "mem": 32}
    assert requests.post(devcluster.url("marathon", "/v2/apps"), json=app, timeout=5).status_code == 201

    def running_task_ids() -> list[str]:
        tasks = requests.get(devcluster.url("marathon", "/v2/apps/sleeper/tasks"), timeout=5).json()["tasks"]
        return [task["id"] for task in tasks if task["state"] == "TASK_RUNNING"]

    before = wait_for(running_task_ids)
    assert "Tasks:     1 running (1 marathon)" in devcluster.run("status").stdout
    os.kill(devcluster.daemon_pid(), signal.SIGKILL)
    wait_for(lambda: not _answers(devcluster.url("marathon", "/ping")))
    assert devcluster.up("--executor", "process", "--no-zookeeper", "--no-registry").returncode == 0
    assert wait_for(running_task_ids) == before
    record = json.loads(next((devcluster.data_dir / "sandboxes").glob("*/task.json")).read_text())
    assert devcluster.run("down").returncode == 0
    assert not Path(f"/proc/{record['pid']}").exists() or "Z" in Path(f"/proc/{record['pid']}/stat").read_text()


def test_down_after_a_crash_cleans_up_leftover_tasks(devcluster: Devcluster) -> None:
    assert devcluster.up("--executor", "process", "--no-zookeeper", "--no-registry").returncode == 0
    app = {"id": "/orphan", "cmd": "sleep 120", "instances": 2, "cpus": 0.1, "mem": 32}
    requests.post(devcluster.url("marathon", "/v2/apps"), json=app, timeout=5)
    records = wait_for(lambda: len(list(devcluster.data_dir.glob("sandboxes/*/task.json"))) == 2)
    assert records
    pids = [json.loads(p.read_text())["pid"] for p in devcluster.data_dir.glob("sandboxes/*/task.json")]
    os.kill(devcluster.daemon_pid(), signal.SIGKILL)
    result = devcluster.run("down")
    assert result.returncode == 0
    assert "stopped 2 leftover task(s)" in result.stderr
    for pid in pids:
        wait_for(lambda pid=pid: not _alive(pid), timeout=15)


@pytest.mark.docker
def test_containers_survive_kill_9_and_down_removes_them(devcluster: Devcluster, docker_engine) -> None:
    assert devcluster.up("--executor", "docker", "--no-zookeeper", "--no-registry").returncode == 0
    app = {
        "id": "/boxed",
        "cmd": "sleep 120",
        "instances": 2,
        "cpus": 0.1,
        "mem": 32,
        "container": {"type": "DOCKER", "docker": {"image": "busybox:latest", "network": "BRIDGE"}},
    }
    assert requests.post(devcluster.url("marathon", "/v2/apps"), json=app, timeout=5).status_code == 201
    label = f"paasta.devcluster.dir={devcluster.data_dir.resolve()}"

    def containers() -> list:
        return docker_engine.containers.list(all=True, filters={"label": label})

    started = wait_for(lambda: len(containers()) == 2 and containers())
    assert all(c.name.startswith("mesos-") for c in started)

    def running_tasks() -> set[str]:
        tasks = requests.get(devcluster.url("marathon", "/v2/apps/boxed/tasks"), timeout=5).json()["tasks"]
        return {task["id"] for task in tasks if task["state"] == "TASK_RUNNING"}

    before = wait_for(lambda: len(running_tasks()) == 2 and running_tasks())
    os.kill(devcluster.daemon_pid(), signal.SIGKILL)
    assert devcluster.up("--executor", "docker", "--no-zookeeper", "--no-registry").returncode == 0
    assert wait_for(lambda: running_tasks() == before and running_tasks())
    assert {c.id for c in containers()} == {c.id for c in started}
    assert devcluster.run("down").returncode == 0
    assert containers() == []


def _send_sensu_event(host: str, port: int) -> None:
    import pysensu_yelp

    pysensu_yelp.send_event(
        name="setup_marathon_job.svc.main",
        runbook="http://runbook",
        status=0,
        output="ok",
        team="team",
        sensu_host=host,
        sensu_port=port,
    )


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=1).status_code == 200
    except requests.ConnectionError:
        return False


def _alive(pid: int) -> bool:
    try:
        return "Z" not in Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
