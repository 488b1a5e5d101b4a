"""``paasta sysdig`` against a devcluster: the csysdig command for the host of a running task."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from paasta_tools.cli.cli import main
from paasta_tools.clients import marathon_client
from tests.integration.status.helpers import CLUSTER, running_tasks, system_config_dir, write_service
from tests.integration.test_task_containers import APP_ID, _post_app


def _sysdig(soa: Path, capsys, *extra: str) -> tuple[int, str, str]:
    code = main(["sysdig", "-s", "svc", "-c", CLUSTER, "-i", "main", "-d", str(soa), *extra])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_the_command_names_the_task_host_the_app_and_the_cluster_urls(
    tmp_path: Path, devcluster_factory, monkeypatch, capsys, wait_for
) -> None:
    running = devcluster_factory(agent_hostname="agent7.example.org")
    credentials = {"clusters": {CLUSTER: {"marathon_config": {"user": "deploy", "password": "s3cr:t"}}}}
    monkeypatch.setenv("PAASTA_SYSTEM_CONFIG_DIR", str(system_config_dir(tmp_path, running, **credentials)))
    soa = tmp_path / "soa"
    write_service(soa, "svc", {"main": {"instances": 1}})
    _post_app(running)
    client = marathon_client.get_marathon_client(running.marathon_url)
    (task,) = wait_for(lambda: running_tasks(client, APP_ID))

    marathon = running.marathon_url.replace("http://", "http://deploy:s3cr%3At@")
    command = f'sudo csysdig -m {running.mesos_url},{marathon} marathon.app.id="{APP_ID}" -v mesos_tasks'
    assert _sysdig(soa, capsys, "--local") == (0, f"agent7.example.org:{command}\n", "")
    code, out, _ = _sysdig(soa, capsys, "-m", task.id)
    assert code == 0
    assert out == (
        f"Task {task.id} runs on agent7.example.org; run this there (this command does not log in to other "
        f"hosts):\n  {command}\n"
    )
    code, _, err = _sysdig(soa, capsys, "-H", "agent8")
    assert code == 1 and "svc.main has no running task on host agent8" in err


def test_on_the_task_host_without_csysdig_it_says_so(
    tmp_path: Path, devcluster_factory, monkeypatch, capsys, wait_for
) -> None:
    running = devcluster_factory()  # the agent is this machine
    monkeypatch.setenv("PAASTA_SYSTEM_CONFIG_DIR", str(system_config_dir(tmp_path, running)))
    monkeypatch.setenv("PATH", os.path.dirname(sys.executable))  # no csysdig there
    soa = tmp_path / "soa"
    write_service(soa, "svc", {"main": {"instances": 1}})
    _post_app(running)
    wait_for(lambda: running_tasks(marathon_client.get_marathon_client(running.marathon_url), APP_ID))
    code, out, _ = _sysdig(soa, capsys)
    assert code == 1
    assert out.startswith("csysdig is not installed on this machine (apt-get install sysdig); the command is:\n")
    assert f'marathon.app.id="{APP_ID}"' in out


def test_on_the_task_host_it_runs_csysdig(tmp_path: Path, devcluster_factory, monkeypatch, wait_for) -> None:
    import subprocess

    running = devcluster_factory()  # the agent is this machine
    etc = system_config_dir(tmp_path, running)
    soa = tmp_path / "soa"
    write_service(soa, "svc", {"main": {"instances": 1}})
    _post_app(running)
    wait_for(lambda: running_tasks(marathon_client.get_marathon_client(running.marathon_url), APP_ID))
    fake_bin = tmp_path / "bin"  # csysdig itself needs a kernel module; this one shows what it was given
    fake_bin.mkdir()
    (fake_bin / "csysdig").write_text('#!/bin/sh\necho "csysdig was run with: $*"\n')
    (fake_bin / "csysdig").chmod(0o755)
    env = {**os.environ, "PAASTA_SYSTEM_CONFIG_DIR": str(etc), "PATH": f"{fake_bin}:{os.environ['PATH']}"}
    argv = [sys.executable, "-m", "paasta_tools.cli.cli", "sysdig", "-s", "svc", "-c", CLUSTER, "-i", "main"]
    result = subprocess.run([*argv, "-d", str(soa)], capture_output=True, text=True, env=env, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    expected = f"-m {running.mesos_url},{running.marathon_url} marathon.app.id=/{APP_ID.lstrip('/')} -v mesos_tasks"
    assert result.stdout == f"csysdig was run with: {expected}\n"
