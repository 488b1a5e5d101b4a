"""Which instances a run autoscales, read from soa-configs on disk (no ZooKeeper is needed for these)."""

from __future__ import annotations

import json

import pytest
import yaml

from paasta_tools.operations.service_autoscaler import cluster_targets
from paasta_tools.system_config import SystemPaastaConfig

SYSTEM = SystemPaastaConfig(
    {"cluster": "norcal", "docker_registry": "registry", "volumes": []}, directory="/etc/paasta"
)


def _write_service(soa_dir, service: str, instances: dict) -> None:
    directory = soa_dir / service
    directory.mkdir()
    (directory / "marathon-norcal.yaml").write_text(yaml.safe_dump(instances))
    deployed = {"docker_image": f"services-{service}:paasta-abc", "desired_state": "start", "force_bounce": None}
    v1 = {f"{service}:paasta-norcal.{name}": deployed for name in instances}
    (directory / "deployments.json").write_text(json.dumps({"v1": v1}))


@pytest.mark.parametrize(("key", "value"), [("constraints", 5), ("cpus", 1e308)])
def test_a_service_with_a_malformed_value_is_reported_and_the_others_still_load(tmp_path, key, value):
    _write_service(tmp_path, "aaa", {"main": {"cmd": "true", key: value}})
    _write_service(tmp_path, "zzz", {"main": {"cmd": "true", "instances": 2}})
    wanted, broken = cluster_targets(SYSTEM, str(tmp_path), zk=None)
    assert wanted == []  # zzz.main has no max_instances
    [result] = broken
    assert result.name == "aaa.main" and result.new_instances is None
    assert result.error.startswith(f"{tmp_path}/aaa/marathon-norcal.yaml: main: a value has the wrong type")


class UnreachableZooKeeper:
    """A kazoo client whose connection dropped: every read fails as kazoo reports it."""

    def get(self, path):
        from kazoo.exceptions import ConnectionLoss

        raise ConnectionLoss()


def test_a_zookeeper_failure_while_reading_counts_is_each_instances_error(tmp_path):
    _write_service(tmp_path, "svc", {"main": {"cmd": "true", "max_instances": 3}})
    wanted, broken = cluster_targets(SYSTEM, str(tmp_path), zk=UnreachableZooKeeper())
    assert wanted == []
    assert [(r.name, r.error) for r in broken] == [
        ("svc.main", "could not read /autoscaling/svc/main/instances from ZooKeeper: ConnectionLoss()")
    ]
