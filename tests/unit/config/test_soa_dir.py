from __future__ import annotations

import pytest

from paasta_tools.config.soa_dir import (
    INSTANCE_TYPES,
    ServiceFiles,
    instance_file_path,
    list_clusters,
    list_services,
    read_service_files,
    require_service_dir,
    service_dir,
)
from paasta_tools.errors import ConfigError, UnknownServiceError


def _write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.fixture
def soa(tmp_path):
    _write(tmp_path / "web" / "service.yaml", "description: web\n")
    _write(tmp_path / "web" / "marathon-norcal-devc.yaml", "main: {}\ncanary: {cpus: 1}\n")
    _write(tmp_path / "web" / "chronos-pnw-prod.yaml", "nightly: {schedule: R/2016-01-01T00:00:00Z/P1D}\n")
    _write(tmp_path / "web" / "adhoc-norcal-devc.yaml", "interactive: {}\n")
    _write(tmp_path / "web" / "marathon-Upper.yaml", "main: {}\n")
    _write(tmp_path / "api" / "paasta_native-native_1.yaml", "x: {}\n")
    _write(tmp_path / "api" / "notes.yaml", "a: b\n")
    (tmp_path / ".git").mkdir()
    _write(tmp_path / "README", "not a service")
    return tmp_path


def test_instance_types_order():
    assert INSTANCE_TYPES == ("marathon", "chronos", "adhoc")


@pytest.mark.parametrize("name", ["", "../x", "a/b", ".hidden", "..", "."])
def test_service_dir_rejects_names_escaping_the_soa_dir(tmp_path, name):
    with pytest.raises(UnknownServiceError) as excinfo:
        service_dir(tmp_path, name)
    assert repr(name) in str(excinfo.value)
    assert str(tmp_path) in str(excinfo.value)


def test_service_dir_joins_plain_names(tmp_path):
    assert service_dir(tmp_path, "web") == tmp_path / "web"


def test_require_service_dir_names_missing_service(tmp_path):
    with pytest.raises(UnknownServiceError, match="'ghost' does not exist"):
        require_service_dir(tmp_path, "ghost")


def test_list_services_sorted_directories_only(soa):
    assert list_services(soa) == ["api", "web"]


def test_list_services_of_missing_dir_is_empty(tmp_path):
    assert list_services(tmp_path / "missing") == []


def test_list_clusters_all_services_sorted_lowercase_only(soa):
    assert list_clusters(soa) == ["native_1", "norcal-devc", "pnw-prod"]


def test_list_clusters_for_service_and_type(soa):
    assert list_clusters(soa, "web") == ["norcal-devc", "pnw-prod"]
    assert list_clusters(soa, "web", instance_type="chronos") == ["pnw-prod"]
    assert list_clusters(soa, "web", instance_type="adhoc") == ["norcal-devc"]


def test_instance_file_path(soa):
    assert instance_file_path(soa, "web", "chronos", "pnw-prod") == soa / "web" / "chronos-pnw-prod.yaml"


def test_read_service_files_keeps_yaml_order_and_types(soa):
    files = read_service_files(soa, "web")
    assert isinstance(files, ServiceFiles)
    assert files.service_yaml == {"description": "web"}
    assert files.smartstack == {} and files.monitoring == {} and files.deploy == {}
    assert list(files.instance_files) == [
        ("marathon", "norcal-devc"),
        ("chronos", "pnw-prod"),
        ("adhoc", "norcal-devc"),
    ]
    assert files.instances("marathon", "norcal-devc") == ["main", "canary"]
    assert files.clusters() == ["norcal-devc", "pnw-prod"]
    assert files.clusters("chronos") == ["pnw-prod"]


def test_read_service_files_for_one_cluster(soa):
    files = read_service_files(soa, "web", cluster="pnw-prod")
    assert list(files.instance_files) == [("chronos", "pnw-prod")]


def test_general_config_service_yaml_wins(tmp_path):
    _write(tmp_path / "s" / "service.yaml", "description: d\nmonitoring: {team: from-service}\n")
    _write(tmp_path / "s" / "monitoring.yaml", "team: from-monitoring\n")
    _write(tmp_path / "s" / "deploy.yaml", "pipeline: []\n")
    general = read_service_files(tmp_path, "s").general_config()
    assert general["monitoring"] == {"team": "from-service"}
    assert general["deploy"] == {"pipeline": []}
    assert general["smartstack"] == {}
    assert general["description"] == "d"


def test_empty_instance_becomes_empty_dict(tmp_path):
    _write(tmp_path / "s" / "marathon-c.yaml", "main:\n")
    assert read_service_files(tmp_path, "s").instance_files[("marathon", "c")] == {"main": {}}


def test_instance_that_is_not_a_mapping_is_an_error(tmp_path):
    _write(tmp_path / "s" / "marathon-c.yaml", "main: 3\n")
    with pytest.raises(ConfigError, match=r"marathon-c\.yaml: instance 'main' must be a mapping"):
        read_service_files(tmp_path, "s")


def test_instance_file_with_list_top_level_is_an_error(tmp_path):
    _write(tmp_path / "s" / "chronos-c.yaml", "- main\n")
    with pytest.raises(ConfigError, match=r"chronos-c\.yaml: the top level must be a mapping"):
        read_service_files(tmp_path, "s")


@pytest.mark.parametrize("cluster", ["../../etc/passwd", "Upper", "a/b", "c1\n"])
def test_instance_file_path_rejects_bad_cluster_names(tmp_path, cluster):
    with pytest.raises(ConfigError, match="Invalid cluster name"):
        instance_file_path(tmp_path, "web", "marathon", cluster)
