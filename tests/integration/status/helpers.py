"""Soa-configs, deployments.json and deployed apps on a devcluster, for status and replication tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from paasta_tools.clients import marathon_client
from paasta_tools.config.loader import load_instance_config
from paasta_tools.config.smartstack import load_service_namespace_config
from paasta_tools.deployments import docker_image_for, write_deployments_json
from paasta_tools.marathon.app_dict import AppSystemConfig, format_marathon_app_dict
from tests.support.devcluster import write_devcluster_system_config

SHA = "abcdef0123456789abcdef0123456789abcdef01"
CLUSTER = "devcluster"


def write_service(
    soa_dir: Path,
    service: str,
    marathon: dict[str, dict[str, Any]],
    smartstack: dict[str, dict[str, Any]] | None = None,
    desired_state: dict[str, str] | None = None,
    deployed: list[str] | None = None,
    sha: str = SHA,
) -> Path:
    """Write the service's yamls and a deployments.json deploying ``deployed`` (default: every instance)."""
    directory = soa_dir / service
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "service.yaml").write_text(yaml.safe_dump({"git_url": f"git@example.com:{service}"}))
    (directory / "monitoring.yaml").write_text(yaml.safe_dump({"team": "devs", "runbook": "y/rb-svc"}))
    (directory / f"marathon-{CLUSTER}.yaml").write_text(yaml.safe_dump(marathon))
    if smartstack is not None:
        (directory / "smartstack.yaml").write_text(yaml.safe_dump(smartstack))
    image = docker_image_for(service, sha)
    v1, deployments, controls = {}, {}, {}
    for instance in marathon if deployed is None else deployed:
        state = (desired_state or {}).get(instance, "start")
        force_bounce = "20170315T102030" if state == "stop" else None
        v1[f"{service}:paasta-{CLUSTER}.{instance}"] = {
            "docker_image": image,
            "desired_state": state,
            "force_bounce": force_bounce,
        }
        deployments[f"{CLUSTER}.{instance}"] = {"docker_image": image, "git_sha": sha}
        controls[f"{service}:{CLUSTER}.{instance}"] = {"desired_state": state, "force_bounce": force_bounce}
    data = {"v1": v1, "v2": {"deployments": deployments, "controls": controls}}
    write_deployments_json(str(directory / "deployments.json"), data)
    return directory


def app_dict_for(soa_dir: Path, service: str, instance: str) -> dict[str, Any]:
    """The app setup_marathon_job would create for the instance."""
    config = load_instance_config(service, instance, CLUSTER, str(soa_dir))
    namespace = load_service_namespace_config(str(soa_dir), service, config.get_nerve_namespace())
    return format_marathon_app_dict(config, AppSystemConfig(docker_registry="127.0.0.1:5000"), namespace)


def deploy(client: Any, soa_dir: Path, service: str, instance: str) -> str:
    """Create the instance's app on Marathon; returns its id."""
    app = app_dict_for(soa_dir, service, instance)
    marathon_client.create_app(client, app)
    return app["id"]


def system_config_dir(tmp_path: Path, running: Any, sensu_port: int | None = None, **extra: Any) -> Path:
    """A PAASTA_SYSTEM_CONFIG_DIR for the devcluster, plus ``extra`` keys in ``extra.json``."""
    directory = write_devcluster_system_config(tmp_path / "etc_paasta", running, sensu_port=sensu_port)
    if extra:
        (directory / "extra.json").write_text(json.dumps(extra))
    return directory


def running_tasks(client: Any, app_id: str) -> list[Any]:
    app = marathon_client.get_app(client, app_id)
    return [t for t in app.tasks if t.state == "TASK_RUNNING"] if app else []
