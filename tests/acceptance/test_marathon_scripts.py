"""The installed Marathon cron scripts, run as subprocesses against a devcluster and real ZooKeeper."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests
import yaml

from tests.support.devcluster import write_devcluster_system_config

BIN = Path(sys.executable).parent
SHA = "c" * 40
INSTANCE = {"cmd": "sleep 300", "instances": 2, "cpus": 0.01, "mem": 16, "disk": 1}


def _write_service(soa_dir: Path, instances: dict, deployed: list[str]) -> None:
    directory = soa_dir / "my_svc"
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "service.yaml").write_text("description: acceptance\n")
    (directory / "monitoring.yaml").write_text(yaml.safe_dump({"team": "devs"}))
    (directory / "marathon-devcluster.yaml").write_text(yaml.safe_dump(instances, sort_keys=False))
    v1 = {
        f"my_svc:paasta-devcluster.{name}": {
            "docker_image": f"services-my_svc:paasta-{SHA}",
            "desired_state": "start",
            "force_bounce": None,
        }
        for name in deployed
    }
    (directory / "deployments.json").write_text(json.dumps({"v1": v1}))


@pytest.fixture
def env(devcluster_factory, zookeeper, sensu_listener, tmp_path) -> dict:
    running = devcluster_factory(apis=("marathon",))
    config_dir = write_devcluster_system_config(
        tmp_path / "etc_paasta", running, zookeeper_port=zookeeper.port, sensu_port=sensu_listener.port
    )
    (Path(running.cluster.settings.data_dir) / "logs").mkdir(parents=True, exist_ok=True)
    soa_dir = tmp_path / "soa"
    soa_dir.mkdir()
    return {
        "vars": {**os.environ, "PAASTA_SYSTEM_CONFIG_DIR": str(config_dir)},
        "soa": str(soa_dir),
        "marathon": running.marathon_url,
        "sensu": sensu_listener,
    }


def _run(env: dict, *argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / argv[0]), *argv[1:]], env=env["vars"], capture_output=True, text=True, timeout=60)


def _app_ids(env: dict) -> list[str]:
    return sorted(app["id"] for app in requests.get(f"{env['marathon']}/v2/apps", timeout=5).json()["apps"])


def test_deploy_list_and_cleanup(env) -> None:
    soa = Path(env["soa"])
    _write_service(soa, {"main": INSTANCE, "canary": INSTANCE}, deployed=["main"])
    listed = _run(env, "list_marathon_service_instances", "-d", env["soa"])
    assert listed.returncode == 0 and listed.stdout.splitlines() == ["my_svc.main", "my_svc.canary"]

    deployed = _run(env, "deploy_marathon_services", "-d", env["soa"])
    assert deployed.returncode == 0, deployed.stderr
    (app_id,) = _app_ids(env)
    assert app_id.startswith("/my--svc.main.gitcccccccc.config")
    minimal = _run(env, "list_marathon_service_instances.py", "-d", env["soa"], "--minimal")
    assert minimal.returncode == 0 and minimal.stdout == ""

    _write_service(soa, {"main": {**INSTANCE, "instances": 3}, "canary": INSTANCE}, deployed=["main", "canary"])
    minimal = _run(env, "list_marathon_service_instances", "-d", env["soa"], "-m")
    assert minimal.stdout.splitlines() == ["my_svc.canary", "my_svc.main"]
    assert _run(env, "setup_marathon_job.py", "my_svc.main", "my_svc.canary", "-d", env["soa"]).returncode == 0
    assert len(_app_ids(env)) == 2
    event_names = {e["name"] for e in env["sensu"].wait_for_events(3)}
    assert {"setup_marathon_job.my_svc.main", "setup_marathon_job.my_svc.canary"} <= event_names

    _write_service(soa, {"main": INSTANCE}, deployed=["main"])
    refused = _run(env, "cleanup_marathon_jobs", "-d", env["soa"], "-t", "0.4")
    assert refused.returncode == 1 and "about to kill more than 0.4" in refused.stderr
    cleaned = _run(env, "cleanup_marathon_jobs.py", "-d", env["soa"])
    assert cleaned.returncode == 0, cleaned.stderr
    assert "Deleted stale marathon job that looks lost: my--svc.canary." in cleaned.stdout
    assert [a.split(".")[1] for a in _app_ids(env)] == ["main"]


def test_bad_input_is_reported_without_a_traceback(env, tmp_path) -> None:
    bad_arg = _run(env, "setup_marathon_job", "not-an-instance", "-d", env["soa"])
    assert bad_arg.returncode == 1 and "Format is service.instance" in bad_arg.stderr
    _write_service(Path(env["soa"]), {"main": INSTANCE}, deployed=[])
    undeployed = _run(env, "setup_marathon_job", "my_svc.main", "-d", env["soa"])
    assert undeployed.returncode == 1
    assert (
        "Docker image for my_svc.main not in deployments.json. Exiting. Has Jenkins deployed it?" in undeployed.stderr
    )
    unknown = _run(env, "setup_marathon_job", "my_svc.nope", "-d", env["soa"])
    assert unknown.returncode == 1 and "my_svc.nope" in unknown.stderr
    no_config = _run(
        {**env, "vars": {**env["vars"], "PAASTA_SYSTEM_CONFIG_DIR": str(tmp_path / "missing")}},
        "deploy_marathon_services",
        "-d",
        env["soa"],
    )
    assert no_config.returncode == 1 and "Could not find system paasta configuration directory" in no_config.stderr
    for result in (bad_arg, undeployed, unknown, no_config):
        assert "Traceback" not in result.stderr
