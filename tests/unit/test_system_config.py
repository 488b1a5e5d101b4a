from __future__ import annotations

import json

import pytest

from paasta_tools.errors import PaastaNotConfiguredError
from paasta_tools.paths import system_config_dir
from paasta_tools.system_config import ClusterEndpoints, SystemPaastaConfig, load_system_paasta_config


def _write_json(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))


def test_files_merged_recursively_in_path_order(tmp_path):
    _write_json(tmp_path / "a.json", {"cluster": "one", "marathon_config": {"url": "http://a", "user": "u"}})
    _write_json(tmp_path / "b.json", {"cluster": "two", "marathon_config": {"url": "http://b"}})
    _write_json(tmp_path / "sub" / "c.json", {"volumes": []})
    (tmp_path / "notes.txt").write_text("{not json")
    config = load_system_paasta_config(tmp_path)
    assert config.get_cluster() == "two"
    assert config.get_marathon_config() == {"url": "http://b", "user": "u"}
    assert config.get_volumes() == []
    assert config.directory == str(tmp_path)


def test_env_var_selects_directory(tmp_path, monkeypatch):
    _write_json(tmp_path / "cluster.json", {"cluster": "envcluster"})
    monkeypatch.setenv("PAASTA_SYSTEM_CONFIG_DIR", str(tmp_path))
    assert system_config_dir() == str(tmp_path)
    assert load_system_paasta_config().get_cluster() == "envcluster"


def test_default_directory(monkeypatch):
    monkeypatch.delenv("PAASTA_SYSTEM_CONFIG_DIR", raising=False)
    assert system_config_dir() == "/etc/paasta"


def test_missing_directory_names_it(tmp_path):
    with pytest.raises(PaastaNotConfiguredError, match="Could not find system paasta configuration directory: "):
        load_system_paasta_config(tmp_path / "nope")


def test_bad_json_names_file_and_line(tmp_path):
    (tmp_path / "ok.json").write_text("{}")
    (tmp_path / "broken.json").write_text('{\n  "cluster": "x",\n  oops\n}')
    with pytest.raises(PaastaNotConfiguredError, match=r"broken\.json: invalid JSON at line 3, column 3"):
        load_system_paasta_config(tmp_path)


def test_non_object_json_is_rejected(tmp_path):
    (tmp_path / "list.json").write_text("[1, 2]")
    with pytest.raises(PaastaNotConfiguredError, match=r"list\.json: the top level must be a JSON object"):
        load_system_paasta_config(tmp_path)


@pytest.mark.parametrize(
    "getter, key",
    [
        ("get_cluster", "cluster"),
        ("get_zk_hosts", "zookeeper"),
        ("get_docker_registry", "docker_registry"),
        ("get_volumes", "volumes"),
        ("get_marathon_config", "marathon_config"),
        ("get_chronos_config", "chronos_config"),
        ("get_log_writer", "log_writer"),
        ("get_log_reader", "log_reader"),
        ("get_api_endpoints", "api_endpoints"),
    ],
)
def test_missing_required_key_names_key_and_directory(getter, key):
    config = SystemPaastaConfig({}, directory="/some/dir")
    with pytest.raises(PaastaNotConfiguredError, match=f"Could not find {key} in configuration directory: /some/dir"):
        getattr(config, getter)()


def test_defaults():
    config = SystemPaastaConfig({})
    assert config.get_sensu_host() == "localhost"
    assert config.get_sensu_port() == 3030
    assert config.get_dockercfg_location() == "file:///root/.dockercfg"
    assert config.get_synapse_port() == 3212
    assert config.get_synapse_host() == "localhost"
    assert config.get_synapse_haproxy_url_format() == "http://{host:s}:{port:d}/;csv;norefresh"
    assert config.get_cluster_fqdn_format() == "paasta-{cluster:s}.yelp"
    assert config.get_dashboard_links() == {}
    assert config.get_local_run_config() == {}
    assert config.get_expected_slave_attributes() is None
    assert config.get_deploy_blacklist() == []
    assert config.get_deploy_whitelist() is None
    assert config.get_mesos_config() == {"path": "/nail/etc/mesos-cli.json"}
    assert config.get_fsm_template().endswith("paasta_tools/cli/fsm/template")
    assert config.get_security_check_command() is None


def test_null_sensu_host_disables():
    assert SystemPaastaConfig({"sensu_host": None}).get_sensu_host() is None


def test_zk_hosts_strip_prefix_keep_chroot():
    config = SystemPaastaConfig({"zookeeper": "zk://h1:2181,h2:2181/mesos-testcluster"})
    assert config.get_zk_hosts() == "h1:2181,h2:2181/mesos-testcluster"


def test_cluster_endpoints_from_clusters_map_and_local_fallback():
    config = SystemPaastaConfig(
        {
            "cluster": "local",
            "marathon_config": {"url": "http://127.0.0.1:1"},
            "chronos_config": {"url": ["http://127.0.0.1:2"]},
            "clusters": {"remote": {"marathon_config": {"url": "http://127.0.0.1:3"}, "mesos_url": "http://m"}},
        }
    )
    assert config.get_cluster_endpoints("remote") == ClusterEndpoints(
        "remote", {"url": "http://127.0.0.1:3"}, None, "http://m"
    )
    local = config.get_cluster_endpoints("local")
    assert local.marathon_config == {"url": "http://127.0.0.1:1"}
    assert local.chronos_config == {"url": ["http://127.0.0.1:2"]}
    with pytest.raises(PaastaNotConfiguredError, match="clusters.elsewhere.*known clusters: remote"):
        config.get_cluster_endpoints("elsewhere")


def test_default_soa_dir_from_environment(tmp_path):
    import os
    import subprocess
    import sys

    code = "from paasta_tools.paths import DEFAULT_SOA_DIR; print(DEFAULT_SOA_DIR)"
    env = dict(os.environ, PAASTA_SOA_DIR=str(tmp_path))
    assert subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True).stdout.strip() == str(
        tmp_path
    )
    env.pop("PAASTA_SOA_DIR")
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert result.stdout.strip() == "/nail/etc/services"
