"""The system-config documents written for a devcluster, read back by paasta's own loader."""

from __future__ import annotations

from pathlib import Path

from paasta_tools.devcluster.system_config import DevclusterEndpoints, system_config_documents, write_system_config
from paasta_tools.system_config import load_system_paasta_config

ENDPOINTS = DevclusterEndpoints(
    cluster="dev",
    marathon_url="http://127.0.0.1:18080",
    chronos_url="http://127.0.0.1:18081",
    mesos_url="http://127.0.0.1:15050",
    zookeeper_port=12181,
    registry="127.0.0.1:15000",
    log_dir=Path("/data/logs"),
)


def test_documents_load_into_paasta_system_config(tmp_path: Path) -> None:
    config = load_system_paasta_config(write_system_config(tmp_path / "etc_paasta", ENDPOINTS))
    assert config.get_cluster() == "dev"
    assert config.get_zk_hosts() == "127.0.0.1:12181/mesos-dev"
    assert config.get_docker_registry() == "127.0.0.1:15000"
    assert config.get_volumes() == []
    assert config.get_marathon_config() == {"url": "http://127.0.0.1:18080", "user": None, "password": None}
    assert config.get_chronos_config()["url"] == ["http://127.0.0.1:18081"]
    assert config.get_sensu_host() is None
    assert config.get_log_writer() == {"driver": "file", "options": {"path_format": "/data/logs/{service}.log"}}
    endpoints = config.get_cluster_endpoints("dev")
    assert endpoints.mesos_url == "http://127.0.0.1:15050"
    assert endpoints.marathon_config["url"] == "http://127.0.0.1:18080"
    assert config.get_dashboard_links()["dev"]["Mesos"] == "http://127.0.0.1:15050"


def test_sensu_port_enables_events() -> None:
    documents = system_config_documents(
        DevclusterEndpoints("dev", "m", "c", "s", None, None, Path("/l"), sensu_port=3031)
    )
    assert documents["sensu.json"] == {"sensu_host": "127.0.0.1", "sensu_port": 3031}
    assert documents["cluster.json"]["zookeeper"] == "zk://127.0.0.1:2181/mesos-dev"


def test_rewriting_replaces_every_file(tmp_path: Path) -> None:
    write_system_config(tmp_path, ENDPOINTS)
    moved = DevclusterEndpoints("dev", "http://127.0.0.1:1", "c", "s", 1, "r", Path("/l"))
    load = load_system_paasta_config(write_system_config(tmp_path, moved))
    assert load.get_marathon_config()["url"] == "http://127.0.0.1:1"
    assert not list(tmp_path.glob(".*.tmp"))
