"""A devcluster running Chronos jobs as local processes, a soa dir, a system config pointing at both,
and a Sensu stand-in: what the Chronos pipeline tests drive the real scripts against.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from paasta_tools.clients.chronos_client import ChronosClient, get_chronos_client
from tests.support.devcluster import write_devcluster_system_config
from tests.support.sensu import SensuListener

CLUSTER = "devcluster"
SHA = "4f2ab6d1c0e5e5d6c2a1b0f9e8d7c6b5a4f3e2d1"


@dataclass
class ChronosPipeline:
    """Everything a test needs: the running devcluster, a client to it, the soa dir and Sensu."""

    running: Any
    client: ChronosClient
    soa_dir: Path
    sensu: SensuListener

    def write_service(
        self,
        service: str,
        jobs: dict[str, dict[str, Any]],
        deployed: bool = True,
        desired_state: str = "start",
        team: str | None = "batch",
    ) -> Path:
        """``<service>/chronos-devcluster.yaml`` with ``jobs``, monitoring.yaml, and deployments.json."""
        directory = self.soa_dir / service
        directory.mkdir(parents=True, exist_ok=True)
        (directory / f"chronos-{CLUSTER}.yaml").write_text(yaml.safe_dump(jobs))
        (directory / "service.yaml").write_text(yaml.safe_dump({"description": f"{service} jobs"}))
        if team:
            (directory / "monitoring.yaml").write_text(yaml.safe_dump({"team": team}))
        if deployed:
            write_deployments(directory, service, list(jobs), desired_state)
        return directory

    def job(self, name: str) -> dict[str, Any] | None:
        return next((job for job in self.client.list() if job["name"] == name), None)

    def runs(self, name: str) -> list[Any]:
        return self.running.cluster.frameworks["chronos"].state.runs_of(name)

    def events(self, check: str) -> list[dict[str, Any]]:
        return [event for event in self.sensu.events if event["name"] == check]


def write_deployments(directory: Path, service: str, instances: list[str], desired_state: str = "start") -> None:
    image = f"services-{service}:paasta-{SHA}"
    v1, deployments, controls = {}, {}, {}
    for instance in instances:
        branch = f"{CLUSTER}.{instance}"
        v1[f"{service}:paasta-{branch}"] = {"docker_image": image, "desired_state": desired_state, "force_bounce": None}
        deployments[branch] = {"docker_image": image, "git_sha": SHA}
        controls[f"{service}:{branch}"] = {"desired_state": desired_state, "force_bounce": None}
    document = {"v1": v1, "v2": {"deployments": deployments, "controls": controls}}
    (directory / "deployments.json").write_text(json.dumps(document))


@pytest.fixture
def pipeline(devcluster_factory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sensu_listener) -> ChronosPipeline:
    # The process executor keeps its sandboxes in the cluster's data dir, where the agent API serves them.
    running = devcluster_factory(executor="process", apis=("chronos", "mesos"), chronos_failure_retry=0.2)
    (Path(running.cluster.settings.data_dir) / "logs").mkdir(parents=True, exist_ok=True)
    etc = write_devcluster_system_config(tmp_path / "etc_paasta", running, sensu_port=sensu_listener.port)
    monkeypatch.setenv("PAASTA_SYSTEM_CONFIG_DIR", str(etc))
    soa_dir = tmp_path / "soa"
    soa_dir.mkdir()
    monkeypatch.setenv("PAASTA_SOA_DIR", str(soa_dir))
    client = get_chronos_client([running.chronos_url])
    return ChronosPipeline(running, client, soa_dir, sensu_listener)


@pytest.fixture
def run_script() -> Callable[..., int]:
    """``run_script(module_main, *argv)``: call a script's main in-process and return its exit code."""

    def run(main: Callable[..., int], *argv: str) -> int:
        return main(list(argv))

    return run
