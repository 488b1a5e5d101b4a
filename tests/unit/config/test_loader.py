from __future__ import annotations

import json
import subprocess
import sys

import pytest

from paasta_tools.config.adhoc_config import AdhocJobConfig
from paasta_tools.config.chronos_config import ChronosJobConfig
from paasta_tools.config.loader import (
    build_instance_config,
    list_all_instances_for_cluster,
    load_instance_config,
    load_service_instance_configs,
)
from paasta_tools.config.marathon_config import MarathonServiceConfig
from paasta_tools.config.soa_dir import ServiceFiles
from paasta_tools.errors import NoConfigurationForServiceError, NoDeploymentsAvailable, UnknownServiceError

SHA = "a" * 40


def _write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.fixture
def soa(tmp_path):
    _write(tmp_path / "svc" / "service.yaml", "cpus: 2\nenv: {FROM_SERVICE: '1'}\ndescription: d\n")
    _write(tmp_path / "svc" / "monitoring.yaml", "team: ops\n")
    _write(
        tmp_path / "svc" / "marathon-c1.yaml",
        "main: {instances: 3, env: {OWN: x}, monitoring: {page: true}}\ncanary: {deploy_group: '{cluster}.canary'}\n",
    )
    _write(tmp_path / "svc" / "chronos-c1.yaml", "job: {schedule: R/2016-01-01T00:00:00Z/P1D, cmd: echo}\n")
    _write(tmp_path / "svc" / "adhoc-c1.yaml", "batch: {cmd: run}\n")
    _write(tmp_path / "svc" / "marathon-c0.yaml", "main: {}\n")
    _write(tmp_path / "other" / "marathon-c1.yaml", "web: {}\n")
    _write(tmp_path / "broken" / "marathon-c1.yaml", "web: [\n")
    return tmp_path


def _deployments(soa):
    data = {
        "v1": {
            "svc:paasta-c1.main": {
                "docker_image": f"services-svc:paasta-{SHA}",
                "desired_state": "stop",
                "force_bounce": "20170101T000000",
            }
        },
        "v2": {
            "deployments": {"c1.batch": {"docker_image": f"services-svc:paasta-{SHA}", "git_sha": SHA}},
            "controls": {"svc:c1.batch": {"desired_state": "start", "force_bounce": None}},
        },
    }
    (soa / "svc" / "deployments.json").write_text(json.dumps(data))


def test_build_merges_instance_over_service_defaults():
    files = ServiceFiles(
        service="svc",
        soa_dir="/soa",
        service_yaml={"cpus": 2, "env": {"A": "1"}},
        instance_files={("marathon", "c1"): {"main": {"env": {"B": "2"}}}},
    )
    config = build_instance_config(files, "marathon", "c1", "main")
    assert isinstance(config, MarathonServiceConfig)
    assert config.get_cpus() == 2.0
    assert config.config_dict["env"] == {"A": "1", "B": "2"}
    assert config.soa_dir == "/soa"


def test_load_without_deployments(soa):
    config = load_instance_config("svc", "main", "c1", soa, load_deployments=False)
    assert isinstance(config, MarathonServiceConfig)
    assert config.branch_dict is None
    assert config.get_instances() == 3
    assert config.get_cpus() == 2.0
    assert config.get_env()["FROM_SERVICE"] == "1"
    assert config.get_env()["OWN"] == "x"
    assert config.get_monitoring() == {"team": "ops", "page": True}


def test_load_with_deployments_v1(soa):
    _deployments(soa)
    config = load_instance_config("svc", "main", "c1", soa)
    assert config.get_docker_image() == f"services-svc:paasta-{SHA}"
    assert config.get_desired_state() == "stop"
    assert config.get_force_bounce() == "20170101T000000"


def test_instance_missing_from_deployments_gets_empty_branch_dict(soa):
    _deployments(soa)
    config = load_instance_config("svc", "canary", "c1", soa)
    assert config.branch_dict == {}
    assert config.get_deploy_group() == "c1.canary"


def test_load_adhoc_uses_v2(soa):
    _deployments(soa)
    config = load_instance_config("svc", "batch", "c1", soa)
    assert isinstance(config, AdhocJobConfig)
    assert config.get_docker_image() == f"services-svc:paasta-{SHA}"
    assert config.get_desired_state() == "start"


def test_missing_deployments_json_raises(soa):
    with pytest.raises(NoDeploymentsAvailable):
        load_instance_config("svc", "main", "c1", soa)


def test_chronos_instance_type_detected(soa):
    config = load_instance_config("svc", "job", "c1", soa, load_deployments=False)
    assert isinstance(config, ChronosJobConfig)
    assert config.get_cpus() == 2


def test_interactive_adhoc_allowed_without_config(soa):
    config = load_instance_config("svc", "interactive", "c1", soa, load_deployments=False, instance_type="adhoc")
    assert isinstance(config, AdhocJobConfig)
    assert config.get_mem() == 10240


def test_unknown_instance_message_and_suggestions(soa):
    with pytest.raises(NoConfigurationForServiceError) as excinfo:
        load_instance_config("svc", "mian", "c1", soa)
    message = str(excinfo.value)
    assert "svc.mian doesn't look like it has been configured to run on the c1 cluster" in message
    assert "Did you mean one of: svc.main?" in message


def test_unknown_cluster_lists_configured_clusters(soa):
    with pytest.raises(NoConfigurationForServiceError, match="svc is configured on: c0, c1"):
        load_instance_config("svc", "main", "c9", soa)


def test_instance_type_mismatch_is_not_configured(soa):
    with pytest.raises(NoConfigurationForServiceError):
        load_instance_config("svc", "main", "c1", soa, instance_type="chronos")


def test_unknown_service_and_escaping_name(soa):
    with pytest.raises(UnknownServiceError, match="'ghost'"):
        load_instance_config("ghost", "main", "c1", soa)
    with pytest.raises(UnknownServiceError, match="'../x'"):
        load_instance_config("../x", "main", "c1", soa)


def test_load_service_instance_configs_order(soa):
    configs = load_service_instance_configs("svc", soa)
    assert [(c.cluster, c.instance_type, c.instance) for c in configs] == [
        ("c0", "marathon", "main"),
        ("c1", "marathon", "main"),
        ("c1", "marathon", "canary"),
        ("c1", "chronos", "job"),
        ("c1", "adhoc", "batch"),
    ]
    assert all(c.branch_dict is None for c in configs)
    only = load_service_instance_configs("svc", soa, cluster="c1", instance_type="chronos")
    assert [c.instance for c in only] == ["job"]


def test_list_all_instances_for_cluster_skips_broken_services(soa):
    errors = []
    found = list_all_instances_for_cluster("c1", soa, on_error=lambda s, e: errors.append((s, str(e))))
    assert found == [("other", "web"), ("svc", "main"), ("svc", "canary"), ("svc", "job"), ("svc", "batch")]
    assert errors and errors[0][0] == "broken" and "invalid YAML" in errors[0][1]
    assert list_all_instances_for_cluster("c1", soa, instance_type="chronos", on_error=lambda s, e: None) == [
        ("svc", "job")
    ]


def test_importing_loader_stays_light():
    code = (
        "import sys, paasta_tools.config.loader, paasta_tools.system_config;"
        "print(sorted(m for m in ('jsonschema', 'requests', 'docker', 'kazoo') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_broken_services_are_logged_by_default(soa, caplog):
    with caplog.at_level("WARNING"):
        found = list_all_instances_for_cluster("c1", soa)
    assert ("other", "web") in found
    assert "Skipping service broken" in caplog.text
