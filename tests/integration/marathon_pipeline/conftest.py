"""A Marathon pipeline under test: devcluster + real ZooKeeper + Sensu listener + soa-configs on disk.

Tasks run as local processes (the devcluster's process executor runs a Docker app's ``cmd``), so
health checks are real HTTP checks against a small server; no Docker engine is needed.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from paasta_tools.devcluster.executors.process import ProcessExecutor
from paasta_tools.devcluster.faults import FaultInjector, injector_for
from paasta_tools.scripts import setup_marathon_job
from tests.support.devcluster import write_devcluster_system_config

SHA = "a" * 40
SERVER = f"{sys.executable} -m http.server $PORT0 --bind 127.0.0.1"
HEALTHY_INSTANCE = {
    "cmd": SERVER,
    "instances": 2,
    "cpus": 0.01,
    "mem": 32,
    "disk": 10,
    "healthcheck_mode": "http",
    "healthcheck_uri": "/",
    "healthcheck_interval_seconds": 1,
    "healthcheck_timeout_seconds": 1,
    "healthcheck_grace_period_seconds": 30,
}


class Pipeline:
    """Write soa-configs, run the scripts in-process, and look at Marathon as a user would."""

    def __init__(self, running: Any, soa_dir: Path, sensu: Any, log_dir: Path) -> None:
        self.running = running
        self.soa_dir = soa_dir
        self.sensu = sensu
        self.log_dir = log_dir
        self.url = running.marathon_url
        self.faults: FaultInjector = injector_for(running.cluster)
        self.zookeeper_url = ""

    # --- soa-configs -------------------------------------------------------------------------

    def write_service(
        self,
        instances: dict[str, dict[str, Any]],
        service: str = "svc",
        monitoring: dict[str, Any] | None = None,
        sha: str = SHA,
        desired_state: str = "start",
        force_bounce: str | None = None,
    ) -> None:
        directory = self.soa_dir / service
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "service.yaml").write_text(yaml.safe_dump({"description": "test service"}))
        monitoring = {"team": "devs", "runbook": "y/rb-svc"} if monitoring is None else monitoring
        (directory / "monitoring.yaml").write_text(yaml.safe_dump(monitoring))
        (directory / "marathon-devcluster.yaml").write_text(yaml.safe_dump(instances))
        v1 = {
            f"{service}:paasta-devcluster.{name}": {
                "docker_image": f"services-{service}:paasta-{sha}",
                "desired_state": desired_state,
                "force_bounce": force_bounce,
            }
            for name in instances
        }
        (directory / "deployments.json").write_text(json.dumps({"v1": v1}))

    # --- running the scripts -----------------------------------------------------------------

    def setup(self, *names: str) -> int:
        return setup_marathon_job.main([*names, "-d", str(self.soa_dir)])

    def bounce_until(self, name: str, done: Callable[[], bool], timeout: float = 40.0, interval: float = 0.3) -> int:
        """Run setup_marathon_job for ``name`` until ``done()``; returns the number of runs."""
        import time

        deadline = time.monotonic() + timeout
        runs = 0
        while not done():
            if time.monotonic() > deadline:
                raise AssertionError(f"{name} did not converge in {timeout}s: {self.apps()}")
            assert self.setup(name) == 0
            runs += 1
            time.sleep(interval)
        return runs

    # --- looking at Marathon -----------------------------------------------------------------

    def apps(self, prefix: str = "/svc.main.") -> dict[str, dict[str, Any]]:
        response = requests.get(f"{self.url}/v2/apps", params={"embed": "apps.tasks"}, timeout=5)
        response.raise_for_status()
        return {app["id"]: app for app in response.json()["apps"] if app["id"].startswith(prefix)}

    @staticmethod
    def healthy(app: dict[str, Any]) -> int:
        """Tasks with a live health result; without health checks, running tasks (Marathon's view)."""
        tasks = app.get("tasks", [])
        if not app.get("healthChecks"):
            return sum(1 for task in tasks if task.get("state") == "TASK_RUNNING" and task.get("startedAt"))
        return sum(1 for task in tasks if any(r.get("alive") for r in task.get("healthCheckResults") or []))

    def healthy_total(self, prefix: str = "/svc.main.") -> int:
        return sum(self.healthy(app) for app in self.apps(prefix).values())

    def only_app(self, prefix: str = "/svc.main.") -> dict[str, Any] | None:
        apps = self.apps(prefix)
        return next(iter(apps.values())) if len(apps) == 1 else None

    def converged(self, instances: int, prefix: str = "/svc.main.") -> bool:
        app = self.only_app(prefix)
        return app is not None and app["instances"] == instances and self.healthy(app) == instances

    def deploy_log(self, service: str = "svc") -> list[dict[str, Any]]:
        path = self.log_dir / f"{service}.log"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@pytest.fixture
def make_pipeline(devcluster_factory, zookeeper, sensu_listener, tmp_path, monkeypatch):
    """``make_pipeline(executor="process"|"noop")``: a Pipeline with PAASTA_SYSTEM_CONFIG_DIR pointing at it."""

    def make(executor: str = "process") -> Pipeline:
        from paasta_tools.devcluster.executors.noop import NoopExecutor

        data_dir = tmp_path / "devcluster"
        chosen = ProcessExecutor(data_dir) if executor == "process" else NoopExecutor()
        running = devcluster_factory(executor=chosen, apis=("marathon",), data_dir=data_dir)
        config_dir = write_devcluster_system_config(
            tmp_path / "etc_paasta", running, zookeeper_port=zookeeper.port, sensu_port=sensu_listener.port
        )
        log_dir = data_dir / "logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        monkeypatch.setenv("PAASTA_SYSTEM_CONFIG_DIR", str(config_dir))
        soa_dir = tmp_path / "soa"
        soa_dir.mkdir()
        pipeline = Pipeline(running, soa_dir, sensu_listener, log_dir)
        pipeline.zookeeper_url = zookeeper.url(f"/mesos-{running.cluster.settings.cluster}")
        return pipeline

    return make
