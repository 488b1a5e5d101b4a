"""``paasta docker_exec|docker_inspect|docker_stop`` against a devcluster running busybox tasks in Docker."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests

from paasta_tools.cli.cli import main
from paasta_tools.clients import marathon_client
from paasta_tools.marathon.job_id import format_job_id
from tests.integration.status.helpers import CLUSTER, running_tasks, system_config_dir, write_service

APP_ID = "/" + format_job_id("svc", "main", "gitabcdef01", "config12345678")
# PID 1 of the container: leaves promptly on docker stop's TERM.
LOOP = "trap 'exit 143' TERM; while true; do sleep 0.2; done"


def _post_app(running, image: str = "busybox:latest", instances: int = 1) -> None:
    app = {
        "id": APP_ID,
        "cmd": LOOP,
        "instances": instances,
        "cpus": 0.1,
        "mem": 32,
        "container": {"type": "DOCKER", "docker": {"image": image, "network": "BRIDGE"}},
    }
    assert requests.post(running.marathon_url + "/v2/apps", json=app, timeout=5).status_code == 201


def _setup(tmp_path: Path, running, monkeypatch) -> Path:
    monkeypatch.setenv("PAASTA_SYSTEM_CONFIG_DIR", str(system_config_dir(tmp_path, running)))
    soa = tmp_path / "soa"
    write_service(soa, "svc", {"main": {"instances": 1}, "other": {"instances": 1}})
    return soa


def _run(command: str, soa: Path, capsys, *extra: str) -> tuple[int, str, str]:
    code = main([command, "-s", "svc", "-c", CLUSTER, "-i", "main", "-d", str(soa), *extra])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.docker
def test_exec_inspect_and_stop_a_busybox_task(
    tmp_path: Path, devcluster_factory, docker_engine, monkeypatch, capsys, wait_for
) -> None:
    running = devcluster_factory(executor="docker")
    soa = _setup(tmp_path, running, monkeypatch)
    _post_app(running)
    client = marathon_client.get_marathon_client(running.marathon_url)
    (task,) = wait_for(lambda: running_tasks(client, APP_ID), timeout=30)

    code, out, err = _run("docker_exec", soa, capsys, "sh", "-c", "echo hi; echo oops >&2; exit 3")
    assert (code, out, err) == (3, "hi\n", "oops\n")
    code, out, _ = _run("docker_exec", soa, capsys, "-m", task.id, "echo $MESOS_TASK_ID")
    assert (code, out) == (0, "$MESOS_TASK_ID\n")  # one string is split as a shell would, not expanded

    code, out, _ = _run("docker_inspect", soa, capsys)
    assert code == 0
    (document,) = json.loads(out)
    name = document["Name"].lstrip("/")
    assert name.startswith("mesos-") and docker_engine.containers.get(name).id == document["Id"]
    assert f"MESOS_TASK_ID={task.id}" in document["Config"]["Env"]

    code, out, _ = _run("docker_stop", soa, capsys, "-m", task.id)
    assert (code, out) == (0, f"{name}\n")
    replacement = wait_for(lambda: [t for t in running_tasks(client, APP_ID) if t.id != task.id], timeout=30)
    assert replacement and all(t.id != task.id for t in running_tasks(client, APP_ID))


@pytest.mark.docker
def test_running_task_without_its_container(
    tmp_path: Path, devcluster_factory, docker_engine, monkeypatch, capsys, wait_for
) -> None:
    running = devcluster_factory()  # the no-op executor: Marathon has tasks, Docker has no containers
    soa = _setup(tmp_path, running, monkeypatch)
    _post_app(running)
    client = marathon_client.get_marathon_client(running.marathon_url)
    (task,) = wait_for(lambda: running_tasks(client, APP_ID))
    code, out, err = _run("docker_inspect", soa, capsys)
    assert (code, out) == (1, "")
    assert err == f"No running container of task {task.id} (svc.main) on this machine's Docker engine\n"


def test_errors_name_what_is_missing(tmp_path: Path, devcluster_factory, monkeypatch, capsys, wait_for) -> None:
    running = devcluster_factory(agent_hostname="agent7.example.org")
    soa = _setup(tmp_path, running, monkeypatch)
    code, _, err = _run("docker_exec", soa, capsys, "true")
    assert code == 1
    assert err == f"svc.main has no running task in cluster {CLUSTER}\n"

    _post_app(running)
    client = marathon_client.get_marathon_client(running.marathon_url)
    (task,) = wait_for(lambda: running_tasks(client, APP_ID))
    code, _, err = _run("docker_stop", soa, capsys)
    assert code == 1
    assert err == (
        f"Task {task.id} of svc.main runs on host agent7.example.org, not on this machine: run 'paasta docker_stop' "
        "on agent7.example.org (this command does not log in to other hosts)\n"
    )
    code, _, err = _run("docker_inspect", soa, capsys, "-H", "agent8")
    assert err == f"svc.main has no running task on host agent8 in cluster {CLUSTER} (it runs on: agent7.example.org)\n"
    code, _, err = _run("docker_inspect", soa, capsys, "-m", "svc.main.nope")
    assert err == f"svc.main has no running task svc.main.nope in cluster {CLUSTER} (its running tasks: {task.id})\n"

    code = main(["docker_inspect", "-s", "svc", "-c", CLUSTER, "-i", "mian", "-d", str(soa)])
    assert code == 1
    assert "Did you mean one of: svc.main?" in capsys.readouterr().err
    code = main(["docker_inspect", "-s", "svc", "-c", "elsewhere", "-i", "main", "-d", str(soa)])
    assert code == 1
    assert "configured to run on the elsewhere cluster" in capsys.readouterr().err
    (soa / "svc" / f"chronos-{CLUSTER}.yaml").write_text("nightly: {schedule: R/2017-01-01T00:00:00Z/PT1H}\n")
    code = main(["docker_stop", "-s", "svc", "-c", CLUSTER, "-i", "nightly", "-d", str(soa)])
    assert code == 1
    assert capsys.readouterr().err == (
        f"svc.nightly is a chronos instance in cluster {CLUSTER}: "
        "only the containers of Marathon instances can be found\n"
    )


def test_docker_engine_not_reachable(tmp_path: Path, devcluster_factory, monkeypatch, capsys, wait_for) -> None:
    running = devcluster_factory()
    soa = _setup(tmp_path, running, monkeypatch)
    _post_app(running)
    client = marathon_client.get_marathon_client(running.marathon_url)
    wait_for(lambda: running_tasks(client, APP_ID))
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-docker.sock")
    code, out, err = _run("docker_exec", soa, capsys, "true")
    assert (code, out) == (1, "")
    assert err.startswith("Can't talk to the Docker engine: ")


def _read_until_closed(fd: int, timeout: float) -> bytes:
    import os
    import select
    import time

    data, deadline = b"", time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # the terminal's other side closed
            break
        if not chunk:
            break
        data += chunk
    return data


@pytest.mark.docker
def test_exec_with_a_terminal_is_interactive(tmp_path: Path, devcluster_factory, docker_engine, monkeypatch, wait_for):
    import os
    import pty
    import subprocess
    import sys

    running = devcluster_factory(executor="docker")
    soa = _setup(tmp_path, running, monkeypatch)
    _post_app(running)
    client = marathon_client.get_marathon_client(running.marathon_url)
    wait_for(lambda: running_tasks(client, APP_ID), timeout=30)
    controller, terminal = pty.openpty()
    argv = [sys.executable, "-m", "paasta_tools.cli.cli", "docker_exec", "-s", "svc", "-c", CLUSTER, "-i", "main"]
    proc = subprocess.Popen([*argv, "-d", str(soa)], stdin=terminal, stdout=terminal, stderr=terminal)
    os.close(terminal)
    try:
        os.write(controller, b"echo answer=$((6 * 7)); [ -t 0 ] && echo tty=$((1 + 1)); exit 5\n")
        output = _read_until_closed(controller, timeout=20)
        assert proc.wait(timeout=10) == 5
    finally:
        proc.kill()
        os.close(controller)
    assert b"answer=42" in output and b"tty=2" in output  # computed by the shell, not echoed input


def test_which_agent_hosts_are_this_machine() -> None:
    import socket

    from paasta_tools.clients.docker_containers import is_local_host

    hostname = socket.gethostname()
    assert all(is_local_host(h) for h in ("127.0.0.1", "::1", "localhost", hostname, hostname.split(".")[0] + ".a.b"))
    assert not any(is_local_host(h) for h in ("agent7.example.org", "8.8.8.8", "fd00::77"))


def test_marathon_not_reachable(tmp_path: Path, monkeypatch, capsys) -> None:
    from tests.conftest import free_port

    etc = tmp_path / "etc_paasta"
    etc.mkdir()
    marathon = {"url": f"http://127.0.0.1:{free_port()}"}
    (etc / "cluster.json").write_text(json.dumps({"cluster": CLUSTER, "marathon_config": marathon}))
    monkeypatch.setenv("PAASTA_SYSTEM_CONFIG_DIR", str(etc))
    soa = tmp_path / "soa"
    write_service(soa, "svc", {"main": {"instances": 1}})
    code, out, err = _run("docker_inspect", soa, capsys)
    assert (code, out) == (1, "")
    assert err.endswith(f"Marathon of cluster {CLUSTER} failed: Marathon did not answer (GET /v2/apps): "
                        "No remaining Marathon servers to try\n")  # fmt: skip
