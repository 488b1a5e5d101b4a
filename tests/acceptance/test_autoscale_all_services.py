"""The installed autoscale_all_services, run as a subprocess against a devcluster and real ZooKeeper."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from paasta_tools.clients import zookeeper as zk
from tests.support.devcluster import write_devcluster_system_config

BIN = Path(sys.executable).parent
SHA = "d" * 40
INSTANCE = {"cmd": "sleep 300", "min_instances": 1, "max_instances": 3, "cpus": 0.5, "mem": 16, "disk": 1}


@pytest.fixture
def env(devcluster_factory, zookeeper, tmp_path) -> dict:
    running = devcluster_factory(apis=("marathon", "mesos"))
    config_dir = write_devcluster_system_config(tmp_path / "etc_paasta", running, zookeeper_port=zookeeper.port)
    (Path(running.cluster.settings.data_dir) / "logs").mkdir(parents=True, exist_ok=True)
    soa_dir = tmp_path / "soa"
    (soa_dir / "my_svc").mkdir(parents=True)
    return {
        "vars": {**os.environ, "PAASTA_SYSTEM_CONFIG_DIR": str(config_dir)},
        "soa": soa_dir,
        "zookeeper": zookeeper.url(f"/mesos-{running.cluster.settings.cluster}"),
    }


def _write_service(soa_dir: Path, instances: dict) -> None:
    directory = soa_dir / "my_svc"
    (directory / "service.yaml").write_text("description: acceptance\n")
    (directory / "marathon-devcluster.yaml").write_text(yaml.safe_dump(instances))
    v1 = {
        f"my_svc:paasta-devcluster.{name}": {
            "docker_image": f"services-my_svc:paasta-{SHA}",
            "desired_state": "start",
            "force_bounce": None,
        }
        for name in instances
    }
    (directory / "deployments.json").write_text(json.dumps({"v1": v1}))


def _run(env: dict, *argv: str) -> subprocess.CompletedProcess:
    command = [str(BIN / argv[0]), *argv[1:]]
    return subprocess.run(command, env=env["vars"], capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("name", ["autoscale_all_services", "autoscale_all_services.py"])
def test_help(name) -> None:
    result = subprocess.run([str(BIN / name), "--help"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0 and result.stdout.startswith(f"usage: {name} [-h] [-d SOA_DIR] [-v]")


def test_runs_quietly_reports_broken_instances_and_skips_under_a_held_lock(env) -> None:
    _write_service(env["soa"], {"main": INSTANCE})
    assert _run(env, "deploy_marathon_services", "-d", str(env["soa"])).returncode == 0

    quiet = _run(env, "autoscale_all_services", "-d", str(env["soa"]))
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "", "")  # first sample: no data yet, no noise
    verbose = _run(env, "autoscale_all_services", "-d", str(env["soa"]), "-v")
    assert verbose.returncode == 0
    # the noop executor measures nothing: the instance has no data, which is no failure
    assert "my_svc.main: Couldn't get any cpu data from Mesos" in verbose.stderr.splitlines()

    _write_service(env["soa"], {"main": {**INSTANCE, "autoscaling": {"setpoint": "high"}}})
    broken = _run(env, "autoscale_all_services", "-d", str(env["soa"]))
    assert broken.returncode == 1
    assert broken.stderr == (
        "my_svc.main: my_svc.main in marathon-devcluster.yaml: autoscaling.setpoint must be a number, got 'high'\n"
    )

    with zk.zk_connection(env["zookeeper"]) as client, zk.autoscaling_lock(client):
        skipped = _run(env, "autoscale_all_services", "-d", str(env["soa"]))
    assert skipped.returncode == 0
    assert "Skipping autoscaling run for services because the lock is held" in skipped.stderr


def test_without_zookeeper_in_the_system_config_it_exits_1(env, tmp_path) -> None:
    config_dir = Path(env["vars"]["PAASTA_SYSTEM_CONFIG_DIR"])
    cluster_json = config_dir / "cluster.json"
    cluster_json.write_text(
        json.dumps({k: v for k, v in json.loads(cluster_json.read_text()).items() if k != "zookeeper"})
    )
    result = _run(env, "autoscale_all_services", "-d", str(env["soa"]))
    assert result.returncode == 1
    assert result.stderr == f"Could not find zookeeper in configuration directory: {config_dir}\n"
