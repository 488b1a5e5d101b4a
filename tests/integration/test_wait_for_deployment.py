"""``paasta mark-for-deployment --wait-for-deployment`` and ``paasta wait-for-deployment`` on a devcluster.

The service's git repository is a real bare repository; the cron side (generate_deployments_for_service
then deploy_marathon_services, against real ZooKeeper) runs in a background thread while the command waits.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
import requests
import yaml

from paasta_tools.cli.cli import main as cli_main
from paasta_tools.clients.git import list_remote_refs
from paasta_tools.deploy_tags import RefIndex
from paasta_tools.devcluster.executors.base import TaskSpec, TaskState, TaskStatus
from paasta_tools.devcluster.executors.noop import NoopExecutor
from paasta_tools.scripts import deploy_marathon_services, generate_deployments_for_service
from tests.support.devcluster import write_devcluster_system_config
from tests.support.git_repos import make_bare_repo, write_service

# No health checks: a started task is happy at once.
MAIN = {"cmd": "sleep 600", "instances": 2, "cpus": 0.01, "mem": 32, "disk": 10, "deploy_group": "prod"}
JOB = {"cmd": "true", "schedule": "R/2017-01-01T00:00:00Z/PT1H", "deploy_group": "prod"}
FAST = ["--polling-interval", "0.1"]


class FailingShaExecutor(NoopExecutor):
    """Tasks of apps whose id names one of ``failing`` (``git<sha8>``) exit with 1 right away."""

    def __init__(self) -> None:
        super().__init__()
        self.failing: set[str] = set()

    async def launch(self, spec: TaskSpec) -> None:
        if any(marker in spec.name for marker in self.failing):
            now = time.time()
            self._tasks[spec.task_id] = TaskStatus(TaskState.FAILED, 1, "Command exited with status 1", now, now)
            return
        await super().launch(spec)


class CronLoop:
    """generate_deployments_for_service + deploy_marathon_services, over and over, in a thread."""

    def __init__(self, soa_dir: Path) -> None:
        self.soa_dir = str(soa_dir)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def once(self) -> None:
        assert generate_deployments_for_service.main(["-d", self.soa_dir, "-s", "svc"]) == 0
        deploy_marathon_services.main(["-d", self.soa_dir])

    def _run(self) -> None:
        while not self._stop.is_set():
            self.once()
            self._stop.wait(0.2)

    def __enter__(self) -> CronLoop:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(30)


@pytest.fixture
def deployed(tmp_path, devcluster_factory, zookeeper, monkeypatch, wait_for) -> Iterator[SimpleNamespace]:
    """Service ``svc`` (instance main in deploy group prod) running its first commit on a devcluster."""
    executor = FailingShaExecutor()
    running = devcluster_factory(executor=executor, apis=("marathon", "mesos"))
    config_dir = write_devcluster_system_config(tmp_path / "etc_paasta", running, zookeeper_port=zookeeper.port)
    monkeypatch.setenv("PAASTA_SYSTEM_CONFIG_DIR", str(config_dir))
    bare, shas = make_bare_repo(tmp_path, commits=3)
    soa_dir = tmp_path / "soa"
    cluster = running.cluster.settings.cluster
    write_service(
        soa_dir,
        "svc",
        {
            "service.yaml": yaml.safe_dump({"git_url": str(bare), "description": "test"}),
            f"marathon-{cluster}.yaml": yaml.safe_dump({"main": MAIN}),
            f"chronos-{cluster}.yaml": yaml.safe_dump({"job": JOB}),
        },
    )
    env = SimpleNamespace(
        running=running, executor=executor, bare=bare, shas=shas, soa_dir=soa_dir, cluster=cluster, cron=None
    )
    assert paasta(env, "mark-for-deployment", "-l", "prod", "-c", shas[0]) == 0
    cron = CronLoop(soa_dir)
    wait_for(lambda: cron.once() or _only_app_git(env) == shas[0][:8] and _tasks_running(env) == 2, timeout=20)
    env.cron = cron
    yield env


def paasta(env: SimpleNamespace, command: str, *argv: str) -> int:
    return cli_main([command, "-s", "svc", "-d", str(env.soa_dir), *argv])


def _apps(env: SimpleNamespace) -> list[dict]:
    response = requests.get(f"{env.running.marathon_url}/v2/apps", timeout=5)
    response.raise_for_status()
    return [app for app in response.json()["apps"] if app["id"].startswith("/svc.main.")]


def _only_app_git(env: SimpleNamespace) -> str | None:
    apps = _apps(env)
    return apps[0]["id"].split(".")[2].removeprefix("git") if len(apps) == 1 else None


def _tasks_running(env: SimpleNamespace) -> int:
    return sum(app["tasksRunning"] for app in _apps(env))


def _latest_marked(env: SimpleNamespace) -> str:
    return RefIndex(list_remote_refs(str(env.bare))).latest_deploy_tag("prod").sha


def test_mark_and_wait_succeeds_once_the_pipeline_deployed_the_commit(deployed, capsys) -> None:
    env = deployed
    old, new = env.shas[0], env.shas[1]
    capsys.readouterr()
    with env.cron:
        code = paasta(env, "mark-for-deployment", "-l", "prod", "-c", new, "--wait-for-deployment", "-t", "30", *FAST)
    out = capsys.readouterr().out
    assert code == 0, out
    assert f"Waiting for deployment of {new} for 'prod' complete..." in out
    assert f"Complete: svc.main on {env.cluster} looks 100% deployed at 2 instances on {new[:8]}" in out
    assert f"Deploy to {env.cluster} complete!" in out
    assert f"Deployment of {new} for prod complete" in out
    assert out.rstrip().endswith(f"paasta rollback --service svc --deploy-group prod --commit {old}")
    assert _only_app_git(env) == new[:8]
    log = (Path(env.running.cluster.settings.data_dir) / "logs" / "svc.log").read_text()
    assert f"Deployment of {new} for prod complete" in log

    # the same commit, asked again with wait-for-deployment, is deployed at once
    assert paasta(env, "wait-for-deployment", "-l", "prod", "-c", new[:10], "-t", "5", *FAST) == 0
    out = capsys.readouterr().out
    assert f"Complete: svc.job on {env.cluster} is a chronos instance, not a Marathon one. Marked as deployed." in out
    assert "Deployed 2 of 2 instances (100%)" in out


def test_a_commit_that_never_becomes_healthy_times_out_and_rolls_back(deployed, capsys, wait_for) -> None:
    env = deployed
    old, bad = env.shas[0], env.shas[1]
    env.executor.failing.add(f"git{bad[:8]}")
    capsys.readouterr()
    with env.cron:
        code = paasta(
            env, "mark-for-deployment", "-l", "prod", "-c", bad, "--wait-for-deployment", "-t", "3", "--auto-rollback",
            *FAST,
        )  # fmt: skip
        out = capsys.readouterr().out
        assert code == 1, out
        assert _latest_marked(env) == old
        # the pipeline follows the rollback: the old commit's app is the only one left
        wait_for(lambda: _only_app_git(env) == old[:8] and _tasks_running(env) == 2, timeout=20)
    bouncing = [line for line in out.splitlines() if "is still bouncing, 2 versions running" in line]
    assert any("; the new app is delayed: tasks are crashing" in line for line in bouncing)
    assert "Timed out after 3 seconds, waiting for svc in prod to be deployed by PaaSTA." in out
    assert f"  paasta status -c {env.cluster} -s svc -i main\n" in out
    assert "Auto-Rollback requested. Marking the previous sha" in out
    assert f"({old}) for prod as desired." in out
    assert f"Marked {old} for deployment in deploy group prod" in out
    assert "paasta rollback" not in out


def test_timeout_without_auto_rollback_keeps_the_commit_marked(deployed, capsys) -> None:
    env = deployed
    new = env.shas[1]
    capsys.readouterr()
    # nothing deploys it (no cron): the new app is never created
    code = paasta(env, "mark-for-deployment", "-l", "prod", "-c", new, "--wait-for-deployment", "-t", "1", *FAST)
    out = capsys.readouterr().out
    assert code == 1
    assert f"svc.main on {env.cluster} is not created yet: no Marathon app svc.main.git{new[:8]}." in out
    assert "Waiting for deployment aborted. PaaSTA will continue to try to deploy this code." in out
    assert "    paasta status -s svc -l prod -v" in out
    assert f"paasta rollback --service svc --deploy-group prod --commit {env.shas[0]}" in out
    assert _latest_marked(env) == new


def test_wait_for_deployment_rejects_a_commit_that_is_not_the_latest_marked(deployed, capsys) -> None:
    env = deployed
    old, new = env.shas[0], env.shas[1]
    assert paasta(env, "mark-for-deployment", "-l", "prod", "-c", new) == 0
    capsys.readouterr()
    assert paasta(env, "wait-for-deployment", "-l", "prod", "-c", old, "-t", "1") == 1
    assert capsys.readouterr().out == f"ERROR: The latest git SHA marked for deployment in prod is {new}\n"
    assert paasta(env, "wait-for-deployment", "-l", "prdo", "-c", new, "-t", "1") == 1
    assert capsys.readouterr().out == (
        "ERROR: These deploy groups are not currently used anywhere: prdo.\n"
        "You probably need one of these in-use deploy groups?:\n   prod\n"
    )


def test_a_stopped_instance_counts_as_deployed(deployed, capsys) -> None:
    env = deployed
    old = env.shas[0]
    assert paasta(env, "stop", "-c", env.cluster, "-i", "main") == 0
    capsys.readouterr()
    # the stop tag is on the marked commit: nothing has to run, even before the pipeline scaled it down
    assert paasta(env, "wait-for-deployment", "-l", "prod", "-c", old, "-t", "5", *FAST) == 0
    out = capsys.readouterr().out
    assert f"Complete: svc.main on {env.cluster} is marked as stopped. Marked as deployed." in out
    assert f"Deployment of {old} for prod complete" in out


def test_ctrl_c_while_waiting_rolls_back_with_auto_rollback(deployed, tmp_path, wait_for) -> None:
    env = deployed
    old, new = env.shas[0], env.shas[1]
    output = tmp_path / "out.txt"
    argv = ["mark-for-deployment", "-s", "svc", "-d", str(env.soa_dir), "-l", "prod", "-c", new]
    argv += ["--wait-for-deployment", "--auto-rollback", "-t", "60", *FAST]
    with output.open("w") as stdout:
        process = subprocess.Popen(
            [sys.executable, "-m", "paasta_tools.cli.cli", *argv], stdout=stdout, stderr=subprocess.STDOUT
        )
    try:
        wait_for(lambda: "waiting on:" in output.read_text(), timeout=20)
        process.send_signal(signal.SIGINT)
        assert process.wait(20) == 1
    finally:
        process.kill()
    out = output.read_text()
    assert "KeyboardInterrupt received. Terminating.." in out
    assert f"({old}) for prod as desired." in out and "Traceback" not in out
    assert _latest_marked(env) == old
