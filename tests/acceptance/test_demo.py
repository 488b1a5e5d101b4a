"""``python -m paasta_tools.demo`` (what ``make demo`` runs) end to end, as a subprocess on free ports.

The demo starts its own devcluster (Docker containers when an engine answers, else local processes)
with ZooKeeper; each test stops it again with ``paasta-devcluster down``.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import docker.errors
import pytest
import requests
import yaml

from paasta_tools.devcluster.components import missing_zookeeper
from tests.conftest import free_port, require

SERVICE = "example_service"
RUN_TIMEOUT_S = 240


class DemoRun:
    """One work dir and a set of free ports for the demo's devcluster."""

    def __init__(self, workdir: Path, executor: str) -> None:
        self.workdir = workdir
        self.executor = executor
        names = ("marathon", "chronos", "mesos", "zookeeper", "registry", "synapse", "hacheck")
        self.ports = {name: free_port() for name in names}

    def run(self) -> subprocess.CompletedProcess:
        command = [sys.executable, "-m", "paasta_tools.demo", "--workdir", str(self.workdir)]
        command += ["--executor", self.executor, "--wait", "60"]
        command += [flag for name, port in self.ports.items() for flag in (f"--{name}-port", str(port))]
        result = subprocess.run(command, capture_output=True, text=True, timeout=RUN_TIMEOUT_S)
        assert result.returncode == 0, result.stdout + result.stderr
        return result

    def down(self) -> None:
        """Stop the devcluster, then remove the images the demo built for this run's registry."""
        data_dir = str(self.workdir / "devcluster")
        command = [sys.executable, "-m", "paasta_tools.devcluster", "--data-dir", data_dir, "down"]
        subprocess.run(command, capture_output=True, timeout=120, env=dict(os.environ))
        with contextlib.suppress(docker.errors.DockerException):
            client = docker.from_env(timeout=30)
            reference = f"127.0.0.1:{self.ports['registry']}/services-{SERVICE}"
            for image in client.images.list(name=reference):
                for tag in image.tags:
                    client.images.remove(tag, force=True)

    def get(self, name: str, path: str) -> Any:
        response = requests.get(f"http://127.0.0.1:{self.ports[name]}{path}", timeout=5)
        response.raise_for_status()
        return response.json()

    def deployed_sha(self) -> str:
        path = self.workdir / "soa-configs" / SERVICE / "deployments.json"
        return json.loads(path.read_text())["v2"]["deployments"]["prod"]["git_sha"]

    def main_apps(self) -> list[dict[str, Any]]:
        apps = self.get("marathon", "/v2/apps?embed=apps.tasks")["apps"]
        return [app for app in apps if app["id"].startswith("/example--service.main.")]

    def chronos_jobs(self) -> dict[str, dict[str, Any]]:
        return {job["name"]: job for job in self.get("chronos", "/scheduler/jobs")}


@pytest.fixture
def demo_run(tmp_path: Path) -> Iterator[Any]:
    require(missing_zookeeper())
    runs: list[DemoRun] = []

    def make(executor: str = "auto") -> DemoRun:
        run = DemoRun(tmp_path / f"demo-{executor}", executor)
        runs.append(run)
        return run

    yield make
    for run in runs:
        run.down()


def _assert_serves_status(demo: DemoRun, sha: str) -> None:
    (app,) = demo.main_apps()
    assert f".git{sha[:8]}." in app["id"] and len(app["tasks"]) == 2
    for task in app["tasks"]:
        response = requests.get(f"http://127.0.0.1:{task['ports'][0]}/status", timeout=5)
        assert response.status_code == 200 and response.text.startswith(f"{SERVICE}: OK (built ")


def _assert_chronos_jobs_ran(demo: DemoRun) -> None:
    jobs = demo.chronos_jobs()
    for name in (f"{SERVICE} periodic", f"{SERVICE} report"):
        assert jobs[name]["successCount"] >= 1 and jobs[name]["lastSuccess"], jobs[name]
    assert jobs[f"{SERVICE} report"]["parents"] == [f"{SERVICE} periodic"]


def test_demo_deploys_the_example_service_and_a_rerun_deploys_a_new_commit(demo_run) -> None:
    demo = demo_run("auto")
    first = demo.run().stdout
    sha = demo.deployed_sha()
    for step in ("start the devcluster", "paasta validate", "paasta mark-for-deployment", "deploy_marathon_services"):
        assert step in first
    assert f"Marked {sha} for deployment in deploy group prod" in first
    assert "main: 2/2 tasks healthy in example--service.main.git" in first
    assert "Marathon:   Healthy - up with (2/2) instances." in first
    assert "Created Chronos job: example_service.periodic" in first and "report: succeeded at" in first
    assert "TASK_FINISHED" in first  # paasta status -v lists the jobs' finished Mesos tasks
    assert "  periodic wrote to stdout: periodic run for 20" in first  # %(shortdate)s interpolated
    assert "  report wrote to stdout: report after the periodic run" in first
    assert f"--data-dir {demo.workdir / 'devcluster'} down" in first
    _assert_serves_status(demo, sha)
    _assert_chronos_jobs_ran(demo)
    if "tasks run as Docker containers" in first:  # the image was built by itest and pushed to the registry
        image = f"127.0.0.1:{demo.ports['registry']}/services-{SERVICE}:paasta-{sha}"
        assert f"itest passed for {sha}." in first and f"Successfully pushed image for {sha} to registry" in first
        assert demo.main_apps()[0]["container"]["docker"]["image"] == image

    second = demo.run().stdout  # the devcluster is reused; a new commit bounces the apps
    new_sha = demo.deployed_sha()
    assert new_sha != sha
    assert "devcluster already running" in second and "Updated Chronos job: example_service.periodic" in second
    _assert_serves_status(demo, new_sha)
    _assert_chronos_jobs_ran(demo)


def test_demo_runs_tasks_as_local_processes_without_docker(demo_run) -> None:
    from paasta_tools.devcluster.smartstack.haproxy_process import missing_haproxy

    demo = demo_run("process")
    out = demo.run().stdout
    assert "tasks run as local processes" in out
    assert "skipped: tasks run as local processes, so no image is needed" in out
    _assert_serves_status(demo, demo.deployed_sha())
    if missing_haproxy() is None:  # main is in SmartStack: HAProxy routes its proxy_port to both tasks
        assert "example_service.main: 2 of 2 backend(s) UP in HAProxy" in out
        main = yaml.safe_load((demo.workdir / "soa-configs" / SERVICE / "smartstack.yaml").read_text())["main"]
        assert 20000 <= main["proxy_port"] <= 21000  # 20666 unless something else listens there
        assert f"GET http://127.0.0.1:{main['proxy_port']}/status (through HAProxy) -> example_service: OK" in out
    else:
        assert "the example's main instance is not put in SmartStack" in out
    _assert_chronos_jobs_ran(demo)
